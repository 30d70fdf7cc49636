"""Which questions are asked and which procedures apply, for given answers.

Conditions and rules are JSON Logic, evaluated by the forms app's module
(``forms/conditions.py``), so a guide and a form read a rule the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from madoguchi.forms.conditions import holds

from .schema import GuideDefinition, Procedure, Question

Answer = str | bool | list[str]


@dataclass(frozen=True)
class Evaluation:
    questions: list[Question]  # the questions that apply, in order
    answers: dict[str, Answer]  # the valid answers to those questions only
    missing: list[str]  # keys of applicable questions not answered yet

    @property
    def complete(self) -> bool:
        return not self.missing


def parse_answer(question: Question, values: list[str]) -> Answer | None:
    """One question's answer from submitted values; None when absent or not an option."""
    allowed = {o.value for o in question.options}
    if question.kind == "yes_no":
        value = values[0] if values else ""
        return {"yes": True, "no": False}.get(value)
    if question.kind == "single":
        value = values[0] if values else ""
        return value if value in allowed else None
    chosen = [v for v in dict.fromkeys(values) if v in allowed]
    # "None of these" is an answer too: the page always sends the marker "-".
    return chosen if chosen or "-" in values else None


def evaluate(definition: GuideDefinition, submitted: Mapping[str, list[str]]) -> Evaluation:
    """Walk the questions in order, keeping those whose condition holds for the answers so far."""
    questions: list[Question] = []
    answers: dict[str, Answer] = {}
    missing: list[str] = []
    for question in definition.questions:
        if not holds(question.visible_if, answers):
            continue
        questions.append(question)
        answer = parse_answer(question, list(submitted.get(question.key, [])))
        if answer is None:
            missing.append(question.key)
        else:
            answers[question.key] = answer
    return Evaluation(questions=questions, answers=answers, missing=missing)


def applicable_procedures(
    definition: GuideDefinition, answers: Mapping[str, Any]
) -> list[Procedure]:
    return [p for p in definition.procedures if holds(p.applies_if, answers)]
