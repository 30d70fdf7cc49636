"""What stops a draft from being published (the builder's guard rails).

Each problem names the step or question it is about, so the page can link to it, and
is kept as an English msgid with its values, so it can be shown in either language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop, override
from pydantic import ValidationError

from ..schema import FormSchema, condition_variables, schema_problems
from .edits import Definition, all_fields, field_keys, steps, text


@dataclass(frozen=True)
class Problem:
    """Something that stops publishing, with the item it is about (for a link).

    ``what`` is an English msgid (marked with gettext_noop where it is made) that
    :meth:`message` translates and fills with ``values``; the schema's own messages have
    no msgid and are shown as they are (``translate=False``).
    """

    what: str
    values: tuple[tuple[str, str], ...] = ()
    step: str = ""
    field: str = ""
    translate: bool = True

    def message(self, language: str) -> str:
        if not self.translate:
            return self.what
        with override(language):
            translated = gettext(self.what)
        return translated % dict(self.values) if self.values else translated

    @property
    def message_ja(self) -> str:
        return self.message("ja")

    @property
    def message_en(self) -> str:
        return self.message("en")


def _problem(what: str, *, step: str = "", field: str = "", **values: str) -> Problem:
    return Problem(what, tuple(sorted(values.items())), step=step, field=field)


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
        problems.append(_problem(gettext_noop("Add a page: the form has none.")))
    keys = field_keys(definition)
    seen: set[str] = set()
    for step in all_steps:
        step_key = str(step.get("key"))
        title = text(step.get("title"))
        if not step.get("fields"):
            problems.append(
                _problem(
                    gettext_noop("Page “%(title)s” has no questions: add one or remove the page."),
                    step=step_key,
                    title=title,
                )
            )
        for name in sorted(condition_variables(step.get("visible_if"))):
            if name not in keys:
                problems.append(
                    _problem(
                        gettext_noop(
                            "The display rule of page “%(title)s” refers to the deleted question "
                            "“%(name)s”: fix or remove the rule."
                        ),
                        step=step_key,
                        title=title,
                        name=name,
                    )
                )
        for field in step.get("fields") or []:
            key = str(field.get("key"))
            label = text(field.get("label")) or key
            if key in seen:
                problems.append(
                    _problem(
                        gettext_noop(
                            "The key “%(key)s” is used twice: give “%(label)s” another key."
                        ),
                        step=step_key,
                        field=key,
                        key=key,
                        label=label,
                    )
                )
            seen.add(key)
            if field.get("type") == "choice" and not field.get("options"):
                problems.append(
                    _problem(
                        gettext_noop(
                            "The choice question “%(label)s” has no options: add at least one."
                        ),
                        step=step_key,
                        field=key,
                        label=label,
                    )
                )
            for rule_name, what in (
                (
                    "visible_if",
                    gettext_noop(
                        "The display rule of “%(label)s” refers to the deleted question "
                        "“%(name)s”: fix or remove the rule."
                    ),
                ),
                (
                    "required_if",
                    gettext_noop(
                        "The required rule of “%(label)s” refers to the deleted question "
                        "“%(name)s”: fix or remove the rule."
                    ),
                ),
            ):
                for name in sorted(condition_variables(field.get(rule_name))):
                    if name not in keys:
                        problems.append(
                            _problem(what, step=step_key, field=key, label=label, name=name)
                        )
    problems.extend(_fee_problems(definition, keys))
    if definition.get("identity") == "mynumber_sign" and "online" not in (
        definition.get("channels") or []
    ):
        problems.append(
            _problem(
                gettext_noop("A signature is only possible online: include the online channel.")
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
            problems.append(Problem(message, step=step_key, field=field_key, translate=False))
        return problems
    for message in schema_problems(schema):  # defensive: model_validate already ran these
        problems.append(Problem(message, translate=False))
    return problems


def _fee_problems(definition: Definition, keys: list[str]) -> list[Problem]:
    """A fee item that counts or reads a question that was deleted, or that now counts a
    question which is neither a number nor a choice (its type was changed). They link to
    the settings page, where the 手数料 section chooses the question."""
    fees = definition.get("fees")
    if not isinstance(fees, dict):
        return []
    types = {str(f.get("key")): f.get("type") for f in all_fields(definition)}
    problems: list[Problem] = []
    for item in fees.get("items") or []:
        if not isinstance(item, dict):
            continue
        label = text(item.get("label")) or str(item.get("key"))
        counted = item.get("quantity_field")
        if counted and counted not in keys:
            problems.append(
                _problem(
                    gettext_noop(
                        "The fee “%(label)s” is multiplied by the deleted question “%(name)s”: "
                        "choose another question in the fee settings, or none."
                    ),
                    label=label,
                    name=str(counted),
                )
            )
        elif counted and types.get(counted) not in ("number", "choice"):
            problems.append(
                _problem(
                    gettext_noop(
                        "The fee “%(label)s” is multiplied by the answer to “%(name)s”, which "
                        "is no longer a number or a choice: choose another question in the fee "
                        "settings."
                    ),
                    label=label,
                    name=str(counted),
                )
            )
        for rule in ("amount", "applies_if"):
            for name in sorted(condition_variables(item.get(rule))):
                if name not in keys:
                    problems.append(
                        _problem(
                            gettext_noop(
                                "A rule of the fee “%(label)s” refers to the deleted question "
                                "“%(name)s”: fix the rule in the YAML definition."
                            ),
                            label=label,
                            name=name,
                        )
                    )
    return problems
