"""What changed between two versions of a form, one plain sentence per change.

Stored codes (``none``, ``online``, ``text_1``) are shown as the words staff chose
them by, and a question's key as its label. Sentences are English msgids with the
Japanese in django.po, made in the ``language`` asked for.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, override, pgettext, pgettext_lazy

from .edits import Definition, all_fields, steps, text, type_name, yes_or_no
from .rules import logic_summary


def _labelled(definition: Definition, language: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        str(f.get("key")): (str(s.get("key")), f)
        for s in steps(definition)
        for f in s.get("fields") or []
    }


_FORM_PROPERTIES: dict[str, Promise] = {
    "title": pgettext_lazy("form property", "the form's title"),
    "description": pgettext_lazy("form property", "the description"),
    "identity": pgettext_lazy("form property", "identity verification"),
    "channels": pgettext_lazy("form property", "the channels"),
    "confirmation_message": pgettext_lazy("form property", "the confirmation message"),
    "applicant_name_field": pgettext_lazy("form property", "the applicant name question"),
    "review": pgettext_lazy("form property", "whether staff review submissions"),
    "notify_statuses": pgettext_lazy("form property", "status changes emailed to the applicant"),
    # The mail block, one property each (``mail.enclosures`` is definition["mail"]["enclosures"]).
    "mail.enclosures": pgettext_lazy("form property", "the enclosures to post"),
    "mail.handwritten_signature": pgettext_lazy("form property", "the handwritten signature box"),
    "mail.description": pgettext_lazy("form property", "the explanation of applying by post"),
    # The fees block (手数料); its items are compared one by one (``_fee_changes``).
    "fees.timing": pgettext_lazy("form property", "when the fee is paid"),
    "fees.methods": pgettext_lazy("form property", "the ways to pay"),
    "fees.description": pgettext_lazy("form property", "the explanation of the fee"),
}
_FIELD_PROPERTIES: dict[str, Promise] = {
    "label": pgettext_lazy("question property", "label"),
    "help": pgettext_lazy("question property", "help text"),
    "required": pgettext_lazy("question property", "required"),
    "visible_if": pgettext_lazy("question property", "display rule"),
    "required_if": pgettext_lazy("question property", "required rule"),
    "options": pgettext_lazy("question property", "options"),
    "prefill": pgettext_lazy("question property", "identity prefill"),
    "type": pgettext_lazy("question property", "type"),
}


# How stored codes read in the publish and versions pages (never `none`, `online`, `text_1`).
_VALUE_LABELS: dict[str, dict[str, Promise]] = {
    "identity": {
        "none": pgettext_lazy("identity", "none (self-declared)"),
        "account": pgettext_lazy("identity", "signed-in account"),
        "mynumber_auth": pgettext_lazy("identity", "My Number Card"),
        "mynumber_sign": pgettext_lazy("identity", "My Number Card with signature"),
    },
    "channels": {
        "online": pgettext_lazy("channel", "online"),
        "mail": pgettext_lazy("channel", "print and post"),
        "counter": pgettext_lazy("channel", "pre-register for the counter"),
    },
    "notify_statuses": {
        "in_review": pgettext_lazy("status", "in review"),
        "approved": pgettext_lazy("status", "approved"),
        "rejected": pgettext_lazy("status", "rejected"),
        "completed": pgettext_lazy("status", "completed"),
        "result_delivered": pgettext_lazy("status", "result delivered"),
    },
    "fees.timing": {
        "on_submission": pgettext_lazy("fee timing", "when applying"),
        "after_review": pgettext_lazy("fee timing", "after review (事後決済)"),
    },
    "fees.methods": {
        "card": pgettext_lazy("payment method", "credit card"),
        "konbini": pgettext_lazy("payment method", "convenience store"),
        "paypay": pgettext_lazy("payment method", "PayPay"),
    },
    "prefill": {
        "name": pgettext_lazy("prefill", "name"),
        "name_kana": pgettext_lazy("prefill", "name in katakana"),
        "address": pgettext_lazy("prefill", "address"),
        "postal_code": pgettext_lazy("prefill", "postal code"),
        "birth_date": pgettext_lazy("prefill", "date of birth"),
        "sex": pgettext_lazy("prefill", "sex"),
    },
    "widget": {
        "radio": pgettext_lazy("choice widget", "round buttons"),
        "select": pgettext_lazy("choice widget", "drop-down list"),
        "checkbox": pgettext_lazy("choice widget", "check boxes"),
    },
    "script": {
        "katakana": pgettext_lazy("kana script", "katakana"),
        "hiragana": pgettext_lazy("kana script", "hiragana"),
    },
}
# Properties whose value is the key of another question: shown as that question's label.
_FIELD_REFERENCES = frozenset({"applicant_name_field", "address_field", "quantity_field"})
# Properties whose stored codes are shown in words.
_CODED = frozenset({*_VALUE_LABELS, "type"})


def _value_label(definition: Definition, name: str, value: Any, language: str) -> str:
    if name in _FIELD_REFERENCES:
        for field in all_fields(definition):
            if field.get("key") == value:
                return text(field.get("label"), language) or str(value)
    if name == "type":
        return type_name(str(value), language) or str(value)
    labels = _VALUE_LABELS.get(name, {})
    if value not in labels:
        return str(value)
    with override(language):
        return str(labels[value])


def _joined(items: list[str], language: str) -> str:
    with override(language):
        return pgettext("list separator", ", ").join(items)


def _shown(definition: Definition, name: str, value: Any, language: str) -> str:
    if value in (None, "", [], {}):
        with override(language):
            return pgettext("no value", "(none)")
    if isinstance(value, str) and (name in _CODED or name in _FIELD_REFERENCES):
        return _value_label(definition, name, value, language)
    if isinstance(value, list) and name in _CODED:
        return _joined([_value_label(definition, name, v, language) for v in value], language)
    if name in ("visible_if", "required_if"):
        return logic_summary(definition, value, language)
    if name in ("options", "mail.enclosures"):
        return _joined(
            [text(o.get("label") if name == "options" else o, language) for o in value], language
        )
    if isinstance(value, dict) and "ja" in value:
        return text(value, language)
    if isinstance(value, bool):
        return yes_or_no(value, language)
    if isinstance(value, list):
        return _joined([str(v) for v in value], language)
    return str(value)


def _property(definition: Definition, name: str) -> Any:
    """A top-level property, or a nested one by its dotted name (``mail.enclosures``)."""
    value: Any = definition
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def diff(old: Definition, new: Definition, language: str = "ja") -> list[str]:
    """What changed from ``old`` to ``new``, one sentence per change, in plain words."""
    with override(language):
        return _changes(old, new, language)


def _changes(old: Definition, new: Definition, language: str) -> list[str]:
    changes: list[str] = []
    first = not steps(old)
    for name, property_name in _FORM_PROPERTIES.items():
        before, after = _property(old, name), _property(new, name)
        if name == "mail.handwritten_signature":  # absent is the schema's default, no box
            before, after = bool(before), bool(after)
            if first and not after:
                continue
        if name == "fees.timing" and (before or after):  # a fees block is paid when applying
            before = (before or "on_submission") if _property(old, "fees") else None
            after = (after or "on_submission") if _property(new, "fees") else None
        if name == "fees.methods" and (before or after):
            before = (before or ["card"]) if _property(old, "fees") else None
            after = (after or ["card"]) if _property(new, "fees") else None
        if first and after not in (None, "", [], {}):
            # Nothing published yet: what the form will be, 「本人確認: なし（自己申告）」.
            shown = _shown(new, name, after, language)
            what = str(property_name)
            changes.append(f"{what[:1].upper()}{what[1:]}: {shown}")
            continue
        if before != after:
            changes.append(
                gettext("Changed %(property)s from “%(before)s” to “%(after)s”")
                % {
                    "property": property_name,
                    "before": _shown(old, name, before, language),
                    "after": _shown(new, name, after, language),
                }
            )
    changes.extend(_fee_changes(old, new, language))
    old_steps = {str(s.get("key")): s for s in steps(old)}
    new_steps = {str(s.get("key")): s for s in steps(new)}
    for key, step in new_steps.items():
        title = text(step.get("title"), language)
        if key not in old_steps:
            changes.append(gettext("Added page “%(title)s”") % {"title": title})
        else:
            before_title = text(old_steps[key].get("title"), language)
            if before_title != title:
                changes.append(
                    gettext("Renamed page “%(before)s” to “%(after)s”")
                    % {"before": before_title, "after": title}
                )
            if old_steps[key].get("visible_if") != step.get("visible_if"):
                rule = _shown(new, "visible_if", step.get("visible_if"), language)
                changes.append(
                    gettext("Changed the display rule of page “%(title)s” to “%(rule)s”")
                    % {"title": title, "rule": rule}
                )
    for key, step in old_steps.items():
        if key not in new_steps:
            title = text(step.get("title"), language)
            changes.append(gettext("Removed page “%(title)s”") % {"title": title})
    common_steps = [k for k in old_steps if k in new_steps]
    if common_steps != [k for k in new_steps if k in old_steps]:
        changes.append(gettext("Changed the order of the pages"))

    old_fields, new_fields = _labelled(old, language), _labelled(new, language)
    moved = False
    for key, (step_key, field) in new_fields.items():
        label = text(field.get("label"), language) or key
        step_title = text(new_steps[step_key].get("title"), language)
        if key not in old_fields:
            kind = type_name(str(field.get("type")), language)
            changes.append(
                gettext("Added question “%(label)s” (%(kind)s) on page “%(page)s”")
                % {"label": label, "kind": kind, "page": step_title}
            )
            continue
        old_step_key, before = old_fields[key]
        if old_step_key != step_key:
            moved = True
            changes.append(
                gettext("Moved question “%(label)s” to page “%(page)s”")
                % {"label": label, "page": step_title}
            )
        for name in sorted(set(before) | set(field)):
            if name == "key" or before.get(name) == field.get(name):
                continue
            changes.append(
                gettext("Changed the %(property)s of “%(label)s” from “%(before)s” to “%(after)s”")
                % {
                    "property": _FIELD_PROPERTIES.get(name, name),
                    "label": label,
                    "before": _shown(old, name, before.get(name), language),
                    "after": _shown(new, name, field.get(name), language),
                }
            )
    for key, (_step_key, field) in old_fields.items():
        if key not in new_fields:
            label = text(field.get("label"), language) or key
            changes.append(gettext("Removed question “%(label)s”") % {"label": label})
    old_order = [k for k in old_fields if k in new_fields]
    new_order = [k for k in new_fields if k in old_fields]
    if old_order != new_order and not moved:
        changes.append(gettext("Changed the order of the questions"))
    return changes


def _fee_items(definition: Definition) -> dict[str, dict[str, Any]]:
    fees = definition.get("fees")
    items = fees.get("items") if isinstance(fees, dict) else None
    return {str(i.get("key")): i for i in items or [] if isinstance(i, dict)}


def _fee_summary(definition: Definition, item: dict[str, Any], language: str) -> str:
    """How a fee item charges, in words: 「300円 × 通数（税込 10%）」, 「規則で計算」."""
    if item.get("amount"):
        summary = gettext("computed by a rule")
    else:
        summary = gettext("%(amount)s yen") % {"amount": f"{int(item.get('unit_amount') or 0):,}"}
        counted = item.get("quantity_field")
        if counted:
            summary += f" × {_value_label(definition, 'quantity_field', counted, language)}"
    if item.get("taxable"):
        summary += gettext(" (including %(rate)s%% tax)") % {"rate": item.get("tax_rate", 10)}
    if item.get("applies_if"):
        summary += gettext(" when %(rule)s") % {
            "rule": logic_summary(definition, item["applies_if"], language)
        }
    return summary


def _fee_changes(old: Definition, new: Definition, language: str) -> list[str]:
    """One sentence per fee item added, removed or changed (its name or how it charges)."""
    changes: list[str] = []
    before, after = _fee_items(old), _fee_items(new)
    for key, item in after.items():
        label = text(item.get("label"), language) or key
        summary = _fee_summary(new, item, language)
        if key not in before:
            changes.append(
                gettext("Added the fee “%(label)s”: %(summary)s")
                % {"label": label, "summary": summary}
            )
            continue
        old_label = text(before[key].get("label"), language) or key
        if old_label != label:
            changes.append(
                gettext("Renamed the fee “%(before)s” to “%(after)s”")
                % {"before": old_label, "after": label}
            )
        old_summary = _fee_summary(old, before[key], language)
        if old_summary != summary:
            changes.append(
                gettext("Changed the fee “%(label)s” from “%(before)s” to “%(after)s”")
                % {"label": label, "before": old_summary, "after": summary}
            )
        elif before[key].get("amount") != item.get("amount"):
            changes.append(gettext("Changed the rule of the fee “%(label)s”") % {"label": label})
    for key, item in before.items():
        if key not in after:
            label = text(item.get("label"), language) or key
            changes.append(gettext("Removed the fee “%(label)s”") % {"label": label})
    return changes
