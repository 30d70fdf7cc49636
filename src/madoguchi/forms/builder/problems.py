"""What stops a draft from being published (the builder's guard rails).

Each problem names the step or question it is about, so the page can link to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..schema import FormSchema, condition_variables, schema_problems
from .edits import Definition, field_keys, steps, text


@dataclass(frozen=True)
class Problem:
    """Something that stops publishing, with the item it is about (for a link)."""

    message_ja: str
    message_en: str
    step: str = ""
    field: str = ""

    def message(self, language: str) -> str:
        return self.message_en if language.startswith("en") else self.message_ja


def _loc_item(definition: Definition, loc: tuple[Any, ...]) -> tuple[str, str]:
    step_key = field_key = ""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        all_steps = steps(definition)
        if loc[1] < len(all_steps):
            step = all_steps[loc[1]]
            step_key = str(step.get("key", ""))
            if len(loc) >= 4 and loc[2] == "fields" and isinstance(loc[3], int):
                fields = step.get("fields") or []
                if loc[3] < len(fields):
                    field_key = str(fields[loc[3]].get("key", ""))
    return step_key, field_key


def publish_problems(definition: Definition) -> list[Problem]:
    """Everything that stops this draft from being published, each with what to fix.

    The builder's own checks come first (they name the item in the staff member's
    words); the schema's validation (``FormSchema`` and ``schema_problems``) runs last
    as the final word, so nothing the builder forgets can be published either.
    """
    problems: list[Problem] = []
    all_steps = steps(definition)
    if not all_steps:
        problems.append(
            Problem(
                "ページが1つもありません。ページを追加してください。",
                "Add a page: the form has none.",
            )
        )
    keys = field_keys(definition)
    seen: set[str] = set()
    for step in all_steps:
        step_key = str(step.get("key"))
        title = text(step.get("title"))
        if not step.get("fields"):
            problems.append(
                Problem(
                    f"ページ「{title}」に項目がありません。項目を追加するか、ページを削除してください。",
                    f"Page “{title}” has no questions: add one or remove the page.",
                    step=step_key,
                )
            )
        for name in sorted(condition_variables(step.get("visible_if"))):
            if name not in keys:
                problems.append(
                    Problem(
                        f"ページ「{title}」の表示条件が、削除された項目「{name}」を参照しています。条件を直すか削除してください。",
                        f"The display rule of page “{title}” refers to the deleted question "
                        f"“{name}”: fix or remove the rule.",
                        step=step_key,
                    )
                )
        for field in step.get("fields") or []:
            key = str(field.get("key"))
            label = text(field.get("label")) or key
            if key in seen:
                problems.append(
                    Problem(
                        f"項目キー「{key}」が重複しています。「{label}」のキーを別の名前に変えてください。",
                        f"The key “{key}” is used twice: give “{label}” another key.",
                        step=step_key,
                        field=key,
                    )
                )
            seen.add(key)
            if field.get("type") == "choice" and not field.get("options"):
                problems.append(
                    Problem(
                        f"選択肢の項目「{label}」に選択肢がありません。選択肢を1つ以上入力してください。",
                        f"The choice question “{label}” has no options: add at least one.",
                        step=step_key,
                        field=key,
                    )
                )
            for rule_name, rule_ja, rule_en in (
                ("visible_if", "表示条件", "display rule"),
                ("required_if", "必須条件", "required rule"),
            ):
                for name in sorted(condition_variables(field.get(rule_name))):
                    if name not in keys:
                        problems.append(
                            Problem(
                                f"「{label}」の{rule_ja}が、削除された項目「{name}」を参照しています。条件を直すか削除してください。",
                                f"The {rule_en} of “{label}” refers to the deleted question "
                                f"“{name}”: fix or remove the rule.",
                                step=step_key,
                                field=key,
                            )
                        )
    if definition.get("identity") == "mynumber_sign" and "online" not in (
        definition.get("channels") or []
    ):
        problems.append(
            Problem(
                "電子署名はオンライン申請でのみ使えます。申請経路に「電子申請」を含めてください。",
                "A signature is only possible online: include the online channel.",
            )
        )
    if problems:
        return problems
    try:
        schema = FormSchema.model_validate(definition)
    except ValidationError as error:
        for item in error.errors():
            step_key, field_key = _loc_item(definition, tuple(item["loc"]))
            where = ".".join(str(p) for p in item["loc"]) or "schema"
            message = f"{where}: {item['msg']}"
            problems.append(Problem(message, message, step=step_key, field=field_key))
        return problems
    for message in schema_problems(schema):  # defensive: model_validate already ran these
        problems.append(Problem(message, message))
    return problems
