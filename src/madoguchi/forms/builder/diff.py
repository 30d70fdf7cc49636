"""What changed between two versions of a form, one plain sentence per change.

Stored codes (``none``, ``online``, ``text_1``) are shown as the words staff chose
them by, and a question's key as its label.
"""

from __future__ import annotations

from typing import Any

from .edits import TYPE_NAMES, Definition, all_fields, steps, text
from .rules import logic_summary


def _labelled(definition: Definition, language: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        str(f.get("key")): (str(s.get("key")), f)
        for s in steps(definition)
        for f in s.get("fields") or []
    }


_FORM_PROPERTIES: dict[str, tuple[str, str]] = {
    "title": ("フォームの名前", "the form's title"),
    "description": ("説明", "the description"),
    "identity": ("本人確認", "identity verification"),
    "channels": ("申請経路", "the channels"),
    "confirmation_message": ("完了メッセージ", "the confirmation message"),
    "applicant_name_field": ("申請者名の項目", "the applicant name question"),
    "review": ("審査の有無", "whether staff review submissions"),
    "notify_statuses": ("申請者にメールで知らせる変更", "status changes emailed to the applicant"),
}
_FIELD_PROPERTIES: dict[str, tuple[str, str]] = {
    "label": ("項目名", "label"),
    "help": ("説明", "help text"),
    "required": ("必須", "required"),
    "visible_if": ("表示条件", "display rule"),
    "required_if": ("必須条件", "required rule"),
    "options": ("選択肢", "options"),
    "prefill": ("本人確認情報からの自動入力", "identity prefill"),
    "type": ("種類", "type"),
}


# How stored codes read in the publish and versions pages (never `none`, `online`, `text_1`).
_VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "identity": {
        "none": ("なし（自己申告）", "none (self-declared)"),
        "account": ("アカウント（ログイン）", "signed-in account"),
        "mynumber_auth": ("マイナンバーカード", "My Number Card"),
        "mynumber_sign": ("マイナンバーカード（電子署名あり）", "My Number Card with signature"),
    },
    "channels": {
        "online": ("電子申請", "online"),
        "mail": ("郵送申請書の作成支援", "print and post"),
        "counter": ("窓口来所前の事前登録", "pre-register for the counter"),
    },
    "notify_statuses": {
        "in_review": ("審査中", "in review"),
        "approved": ("承認", "approved"),
        "rejected": ("却下", "rejected"),
        "completed": ("完了", "completed"),
        "result_delivered": ("電子交付", "result delivered"),
    },
    "prefill": {
        "name": ("氏名", "name"),
        "name_kana": ("フリガナ", "name in katakana"),
        "address": ("住所", "address"),
        "postal_code": ("郵便番号", "postal code"),
        "birth_date": ("生年月日", "date of birth"),
        "sex": ("性別", "sex"),
    },
    "widget": {
        "radio": ("ラジオボタン", "round buttons"),
        "select": ("ドロップダウン", "drop-down list"),
        "checkbox": ("チェックボックス", "check boxes"),
    },
    "script": {"katakana": ("カタカナ", "katakana"), "hiragana": ("ひらがな", "hiragana")},
    "type": TYPE_NAMES,
}
# Properties whose value is the key of another question: shown as that question's label.
_FIELD_REFERENCES = frozenset({"applicant_name_field", "address_field"})


def _value_label(definition: Definition, name: str, value: Any, language: str) -> str:
    index = 0 if language == "ja" else 1
    if name in _FIELD_REFERENCES:
        for field in all_fields(definition):
            if field.get("key") == value:
                return text(field.get("label"), language) or str(value)
    labels = _VALUE_LABELS.get(name, {})
    return labels[value][index] if value in labels else str(value)


def _shown(definition: Definition, name: str, value: Any, language: str) -> str:
    if value in (None, "", [], {}):
        return "（なし）" if language == "ja" else "(none)"
    if isinstance(value, str) and (name in _VALUE_LABELS or name in _FIELD_REFERENCES):
        return _value_label(definition, name, value, language)
    if isinstance(value, list) and name in _VALUE_LABELS:
        return "、".join(_value_label(definition, name, v, language) for v in value)
    if name in ("visible_if", "required_if"):
        return logic_summary(definition, value, language)
    if name == "options":
        return "、".join(text(o.get("label"), language) for o in value)
    if isinstance(value, dict) and "ja" in value:
        return text(value, language)
    if isinstance(value, bool):
        return ("はい" if value else "いいえ") if language == "ja" else ("yes" if value else "no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def diff(old: Definition, new: Definition, language: str = "ja") -> list[str]:
    """What changed from ``old`` to ``new``, one sentence per change, in plain words."""
    ja = language == "ja"
    changes: list[str] = []
    first = not steps(old)
    for name, (name_ja, name_en) in _FORM_PROPERTIES.items():
        before, after = old.get(name), new.get(name)
        if first and after not in (None, "", [], {}):
            # Nothing published yet: what the form will be, 「本人確認: なし（自己申告）」.
            shown = _shown(new, name, after, language)
            changes.append(
                f"{name_ja}: {shown}" if ja else f"{name_en[0].upper()}{name_en[1:]}: {shown}"
            )
            continue
        if before != after:
            b, a = _shown(old, name, before, language), _shown(new, name, after, language)
            changes.append(
                f"{name_ja}を「{b}」から「{a}」に変更"
                if ja
                else f"Changed {name_en} from “{b}” to “{a}”"
            )
    old_steps = {str(s.get("key")): s for s in steps(old)}
    new_steps = {str(s.get("key")): s for s in steps(new)}
    for key, step in new_steps.items():
        title = text(step.get("title"), language)
        if key not in old_steps:
            changes.append(f"ページ「{title}」を追加" if ja else f"Added page “{title}”")
        else:
            before_title = text(old_steps[key].get("title"), language)
            if before_title != title:
                changes.append(
                    f"ページ名を「{before_title}」から「{title}」に変更"
                    if ja
                    else f"Renamed page “{before_title}” to “{title}”"
                )
            if old_steps[key].get("visible_if") != step.get("visible_if"):
                a = _shown(new, "visible_if", step.get("visible_if"), language)
                changes.append(
                    f"ページ「{title}」の表示条件を「{a}」に変更"
                    if ja
                    else f"Changed the display rule of page “{title}” to “{a}”"
                )
    for key, step in old_steps.items():
        if key not in new_steps:
            title = text(step.get("title"), language)
            changes.append(f"ページ「{title}」を削除" if ja else f"Removed page “{title}”")
    common_steps = [k for k in old_steps if k in new_steps]
    if common_steps != [k for k in new_steps if k in old_steps]:
        changes.append("ページの順番を変更" if ja else "Changed the order of the pages")

    old_fields, new_fields = _labelled(old, language), _labelled(new, language)
    for key, (step_key, field) in new_fields.items():
        label = text(field.get("label"), language) or key
        step_title = text(new_steps[step_key].get("title"), language)
        if key not in old_fields:
            kind = TYPE_NAMES.get(str(field.get("type")), ("", ""))[0 if ja else 1]
            changes.append(
                f"ページ「{step_title}」に項目「{label}」（{kind}）を追加"
                if ja
                else f"Added question “{label}” ({kind}) on page “{step_title}”"
            )
            continue
        old_step_key, before = old_fields[key]
        if old_step_key != step_key:
            changes.append(
                f"項目「{label}」をページ「{step_title}」に移動"
                if ja
                else f"Moved question “{label}” to page “{step_title}”"
            )
        for name in sorted(set(before) | set(field)):
            if name == "key" or before.get(name) == field.get(name):
                continue
            name_ja, name_en = _FIELD_PROPERTIES.get(name, (name, name))
            b = _shown(old, name, before.get(name), language)
            a = _shown(new, name, field.get(name), language)
            changes.append(
                f"項目「{label}」の{name_ja}を「{b}」から「{a}」に変更"
                if ja
                else f"Changed the {name_en} of “{label}” from “{b}” to “{a}”"
            )
    for key, (_step_key, field) in old_fields.items():
        if key not in new_fields:
            label = text(field.get("label"), language) or key
            changes.append(f"項目「{label}」を削除" if ja else f"Removed question “{label}”")
    old_order = [k for k in old_fields if k in new_fields]
    new_order = [k for k in new_fields if k in old_fields]
    if old_order != new_order and not any("移動" in c or "Moved" in c for c in changes):
        changes.append("項目の順番を変更" if ja else "Changed the order of the questions")
    return changes
