"""The guide definition: typed, stored as JSON, written by hand as YAML.

A guide is data, never code, like a form (``forms/schema.py``): a life event's title and
introduction, a few questions with JSON Logic conditions (``visible_if``), and the
procedures with the rule that makes each apply (``applies_if``, JSON Logic over the
answers). A procedure is either a Madoguchi form, named by slug (its channels come from
the form's own schema), or an external procedure with its channel and a link.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from madoguchi.forms.schema import KEY_PATTERN, Channel, JsonLogic, Text, condition_variables
from madoguchi.jp import text as jp_text

QuestionKind = Literal["single", "multiple", "yes_no"]


class GuideProblem(ValueError):
    """One thing to fix, raised by this module's own validators.

    ``str()`` is the English line (what logs and the demo loader print); ``code`` and
    ``params`` let guide/schema_errors.py say it in the staff member's language. pydantic
    keeps the exception in the error's ``ctx["error"]``.
    """

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class GuideProblems(ValueError):
    """Several problems of the whole definition at once (keys, conditions)."""

    def __init__(self, problems: list[GuideProblem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


# The life events a guide is written for (引越し, 出生, おくやみ, 結婚, 介護).
LifeEvent = Literal["moving", "birth", "death", "marriage", "care"]


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(pattern=KEY_PATTERN)
    label: Text


class Question(BaseModel):
    """One question; ``yes_no`` answers are ``true``/``false``, ``multiple`` a list."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    text: Text
    help: Text | None = None
    kind: QuestionKind
    options: list[Option] = Field(default_factory=list)
    visible_if: JsonLogic | None = None

    @model_validator(mode="after")
    def _options_fit_kind(self) -> Question:
        if self.kind == "yes_no" and self.options:
            raise GuideProblem(
                "yes_no_options",
                f"question {self.key}: a yes/no question has no options",
                key=self.key,
            )
        if self.kind != "yes_no" and len(self.options) < 2:
            raise GuideProblem(
                "too_few_options",
                f"question {self.key}: a choice needs at least two options",
                key=self.key,
            )
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise GuideProblem(
                "repeated_option",
                f"question {self.key}: option values must be unique",
                key=self.key,
            )
        return self


class Procedure(BaseModel):
    """One procedure the guide may list, with what the result page says about it."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    # A Madoguchi form of the same municipality (by slug) ...
    form: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    # ... or an external procedure: its channel, the site's name and an https link.
    channel: Channel | None = None
    site: Text | None = None
    url: str | None = Field(default=None, pattern=r"^https://[^\s\"'<>]+$", max_length=500)
    title: Text
    what: Text
    who: Text
    deadline: Text | None = None
    bring: list[Text] = Field(default_factory=list)
    fee: Text | None = None
    applies_if: JsonLogic | None = None

    @model_validator(mode="after")
    def _form_or_external(self) -> Procedure:
        if self.form is None and (self.channel is None or self.url is None or self.site is None):
            raise GuideProblem(
                "form_or_external",
                f"procedure {self.key}: give a form slug, or channel, site and url"
                " for an external procedure",
                key=self.key,
            )
        if self.form is not None and (self.channel or self.url or self.site):
            raise GuideProblem(
                "form_and_external",
                f"procedure {self.key}: a form's channels come from the form;"
                " remove channel, site and url",
                key=self.key,
            )
        return self

    @property
    def external(self) -> bool:
        return self.form is None


class GuideDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    title: Text
    intro: Text | None = None
    life_event: LifeEvent | None = None
    questions: list[Question] = Field(min_length=1, max_length=30)
    procedures: list[Procedure] = Field(min_length=1, max_length=60)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        jp_text.check_value(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> GuideDefinition:
        problems = definition_issues(self)
        if problems:
            raise GuideProblems(problems)
        return self

    def procedure(self, key: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.key == key:
                return procedure
        raise KeyError(key)


def definition_problems(definition: GuideDefinition) -> list[str]:
    """Keys that repeat and conditions that read a question not asked before (English)."""
    return [str(problem) for problem in definition_issues(definition)]


def definition_issues(definition: GuideDefinition) -> list[GuideProblem]:
    """:func:`definition_problems` with a code and the values each message names."""
    problems: list[GuideProblem] = []
    asked: set[str] = set()
    for question in definition.questions:
        key = question.key
        if key in asked:
            problems.append(
                GuideProblem("repeated_question", f"question {key} appears twice", key=key)
            )
        unknown = ", ".join(sorted(condition_variables(question.visible_if) - asked))
        if unknown:
            problems.append(
                GuideProblem(
                    "condition_not_earlier",
                    f"question {key}: its condition reads {unknown},"
                    " which is not an earlier question",
                    key=key,
                    names=unknown,
                )
            )
        asked.add(key)
    seen: set[str] = set()
    for procedure in definition.procedures:
        key = procedure.key
        if key in seen:
            problems.append(
                GuideProblem("repeated_procedure", f"procedure {key} appears twice", key=key)
            )
        seen.add(key)
        unknown = ", ".join(sorted(condition_variables(procedure.applies_if) - asked))
        if unknown:
            problems.append(
                GuideProblem(
                    "rule_not_a_question",
                    f"procedure {key}: its rule reads {unknown}, which is not a question",
                    key=key,
                    names=unknown,
                )
            )
    return problems
