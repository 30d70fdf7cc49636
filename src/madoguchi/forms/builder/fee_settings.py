"""The 手数料 (fees) section of the builder's settings page: the ``fees`` block as inputs.

Pure functions over the posted data and the draft definition (no database): the page's
values from a stored block, and a new block (or None for a free form) from what was
posted, with every problem at once, keyed by the input it is about. The page shows one row
per item plus an empty row to add one; a row left empty is skipped and a ticked 「削除」
removes its item. A JSON Logic amount or condition (``amount``, ``applies_if``) is written
in YAML only: the page shows it read-only and keeps it with its item.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..schema import FEE_ITEMS_MAX, FEE_MAX_AMOUNT
from .edits import Definition, all_fields, text

FEE_DESCRIPTION_MAX_CHARS = 1000
FEE_LABEL_MAX_CHARS = 100

# "none" is no fees block: the form is free.
TIMING_CHOICES = [
    ("none", gettext_lazy("No fee")),
    ("on_submission", gettext_lazy("Paid when applying (the application is sent once paid)")),
    ("after_review", gettext_lazy("Paid after review (事後決済: staff set the amount)")),
]
METHOD_CHOICES = [
    ("card", gettext_lazy("Credit card")),
    ("konbini", gettext_lazy("Convenience store (コンビニ)")),
    ("paypay", gettext_lazy("PayPay")),
]
TAX_RATES = ("10", "8")


def quantity_fields(definition: Definition, language: str) -> list[tuple[str, str]]:
    """The questions a fee may count: numbers and choices, as (key, label)."""
    return [
        (str(f.get("key")), text(f.get("label"), language) or str(f.get("key")))
        for f in all_fields(definition)
        if f.get("type") in ("number", "choice")
    ]


def _part(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return str(value.get(language) or "")
    return str(value) if value and language == "ja" else ""


def _rule_text(logic: Any) -> str:
    return json.dumps(logic, ensure_ascii=False) if logic else ""


def _row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": str(item.get("key", "")),
        "label_ja": _part(item.get("label"), "ja"),
        "label_en": _part(item.get("label"), "en"),
        "unit_amount": str(item.get("unit_amount", "")) if "amount" not in item else "",
        "quantity_field": str(item.get("quantity_field") or ""),
        "taxable": bool(item.get("taxable")),
        "tax_rate": str(item.get("tax_rate", 10)),
        "amount_rule": _rule_text(item.get("amount")),
        "applies_if_rule": _rule_text(item.get("applies_if")),
        "remove": False,
        "errors": {},
    }


def _blank_row() -> dict[str, Any]:
    return _row({}) | {"tax_rate": "10", "unit_amount": ""}


def fee_values(definition: Definition) -> dict[str, Any]:
    """The stored fees block as the page's inputs (``fee_rows``: the items and one empty)."""
    fees = definition.get("fees")
    if not isinstance(fees, dict):
        return {
            "fee_timing": "none",
            "fee_methods": ["card"],
            "fee_description_ja": "",
            "fee_description_en": "",
            "fee_rows": [_blank_row()],
        }
    rows = [_row(item) for item in fees.get("items") or [] if isinstance(item, dict)]
    if len(rows) < FEE_ITEMS_MAX:
        rows.append(_blank_row())
    return {
        "fee_timing": str(fees.get("timing") or "on_submission"),
        "fee_methods": list(fees.get("methods") or ["card"]),
        "fee_description_ja": _part(fees.get("description"), "ja"),
        "fee_description_en": _part(fees.get("description"), "en"),
        "fee_rows": rows,
    }


def _yen(raw: str) -> int | None:
    """A whole amount in yen as staff type it: 300, ３００, 1,000 or 1000円."""
    cleaned = unicodedata.normalize("NFKC", raw).replace(",", "").removesuffix("円").strip()
    if not cleaned.isascii() or not cleaned.isdigit():
        return None
    amount = int(cleaned)
    return amount if amount <= FEE_MAX_AMOUNT else None


def _fresh_key(taken: set[str]) -> str:
    number = 1
    while f"fee_{number}" in taken:
        number += 1
    return f"fee_{number}"


def fees_from_post(
    data: QueryDict, definition: Definition
) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, str]]:
    """(the new fees block or None, what was entered as the page shows it, problems per input).

    Rules (``amount``, ``applies_if``) come from the stored item with the same key, never
    from the request.
    """
    errors: dict[str, str] = {}
    stored = definition.get("fees") if isinstance(definition.get("fees"), dict) else {}
    stored_items = {
        str(item.get("key")): item
        for item in (stored or {}).get("items") or []
        if isinstance(item, dict)
    }
    countable = {key for key, _label in quantity_fields(definition, "ja")}
    timing = str(data.get("fee_timing", "none"))
    if timing not in {value for value, _label in TIMING_CHOICES}:
        timing = "none"
    offered_methods = [value for value, _label in METHOD_CHOICES]
    methods = [m for m in offered_methods if m in data.getlist("fee_methods")]
    description_ja = str(data.get("fee_description_ja", "")).strip()
    description_en = str(data.get("fee_description_en", "")).strip()

    try:
        row_count = min(int(str(data.get("fee_rows", "0"))), FEE_ITEMS_MAX + 1)
    except ValueError:
        row_count = 0
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    taken = set(stored_items)
    for number in range(row_count):
        prefix = f"fee_{number}_"

        def posted(name: str, prefix: str = prefix) -> str:
            return str(data.get(prefix + name, "")).strip()

        key = posted("key")
        if key in {item["key"] for item in items}:  # a key is one item's (a hand-made request)
            key = ""
        original = stored_items.get(key, {})
        row: dict[str, Any] = {
            "key": key if key in stored_items else "",
            "label_ja": posted("label_ja"),
            "label_en": posted("label_en"),
            "unit_amount": posted("unit_amount"),
            "quantity_field": posted("quantity_field"),
            "taxable": bool(data.get(prefix + "taxable")),
            "tax_rate": posted("tax_rate") if posted("tax_rate") in TAX_RATES else "10",
            "amount_rule": _rule_text(original.get("amount")),
            "applies_if_rule": _rule_text(original.get("applies_if")),
            "remove": bool(data.get(prefix + "remove")),
        }
        rows.append(row)
        computed = "amount" in original
        empty = not (row["label_ja"] or row["label_en"] or row["unit_amount"])
        if row["remove"] or (empty and not computed):
            continue
        if not row["label_ja"]:
            errors[prefix + "label_ja"] = _("Item %(number)s: enter its name in Japanese.") % {
                "number": number + 1
            }
        elif max(len(row["label_ja"]), len(row["label_en"])) > FEE_LABEL_MAX_CHARS:
            errors[prefix + "label_ja"] = _(
                "Item %(number)s: shorten the name to %(limit)s characters."
            ) % {"number": number + 1, "limit": FEE_LABEL_MAX_CHARS}
        unit = 0 if computed else _yen(str(row["unit_amount"]))
        if unit is None:
            errors[prefix + "unit_amount"] = _(
                "Item %(number)s: enter the amount in yen as a whole number from 0 to "
                "%(limit)s, such as 300."
            ) % {"number": number + 1, "limit": f"{FEE_MAX_AMOUNT:,}"}
        if row["quantity_field"] and row["quantity_field"] not in countable:
            errors[prefix + "quantity_field"] = _(
                "Item %(number)s: choose a number or choice question to count, or none."
            ) % {"number": number + 1}
        item_key = row["key"] or _fresh_key(taken)
        taken.add(item_key)
        label = {"ja": row["label_ja"]} | ({"en": row["label_en"]} if row["label_en"] else {})
        item: dict[str, Any] = {"key": item_key, "label": label}
        if not computed:
            item["unit_amount"] = unit or 0
        if row["quantity_field"]:
            item["quantity_field"] = row["quantity_field"]
        for rule in ("amount", "applies_if"):
            if original.get(rule):
                item[rule] = original[rule]
        if row["taxable"]:
            item["taxable"] = True
            item["tax_rate"] = int(row["tax_rate"])
        items.append(item)

    if len(rows) < FEE_ITEMS_MAX and all(r["label_ja"] or r["label_en"] for r in rows):
        rows.append(_blank_row())
    entered: dict[str, Any] = {
        "fee_timing": timing,
        "fee_methods": methods,
        "fee_description_ja": description_ja,
        "fee_description_en": description_en,
        "fee_rows": rows,
    }
    if timing == "none":
        for row in rows:
            row["errors"] = {}
        return None, entered, {}
    if not methods:
        errors["fee_methods"] = _("Choose at least one way to pay.")
    if description_en and not description_ja:
        errors["fee_description_ja"] = _("Enter the Japanese text too.")
    for name, value in (
        ("fee_description_ja", description_ja),
        ("fee_description_en", description_en),
    ):
        if len(value) > FEE_DESCRIPTION_MAX_CHARS and name not in errors:
            errors[name] = _("Shorten the explanation to %(limit)s characters.") % {
                "limit": FEE_DESCRIPTION_MAX_CHARS
            }
    if len(items) > FEE_ITEMS_MAX:
        errors["fee_items"] = _("List at most %(limit)s items (there are %(count)s).") % {
            "limit": FEE_ITEMS_MAX,
            "count": len(items),
        }
    if timing == "on_submission" and not items and not errors:
        errors["fee_0_label_ja" if rows else "fee_items"] = _(
            "A fee paid when applying needs at least one item: enter its name and amount."
        )
    for number, row in enumerate(rows):  # each row shows its own problems beside its inputs
        prefix = f"fee_{number}_"
        row["errors"] = {
            k.removeprefix(prefix): v for k, v in errors.items() if k.startswith(prefix)
        }
    fees: dict[str, Any] = {"timing": timing, "items": items, "methods": methods}
    if description_ja:
        fees["description"] = {"ja": description_ja} | (
            {"en": description_en} if description_en else {}
        )
    return fees, entered, errors
