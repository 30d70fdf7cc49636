"""What an application costs: the form's fee items evaluated against the answers.

The quote is what the resident sees before paying and what a payment is created for, so
it is computed on the server from the stored answers only, never taken from a request.
Amounts are whole yen (JPY has no minor unit). A line whose rule cannot be evaluated, or
evaluates to something that is not a whole, non-negative amount, costs nothing and is
flagged, rather than guessing: staff see the flag and the form's builder shows the rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import RuleFailed, evaluate
from .schema import (
    FEE_MAX_AMOUNT,
    ChoiceField,
    FeeItem,
    FormSchema,
    LocalizedText,
)


@dataclass(frozen=True)
class QuoteLine:
    key: str
    label: LocalizedText
    unit_amount: int
    quantity: int
    amount: int
    taxable: bool
    tax_rate: int
    # The consumption tax included in ``amount`` (総額表示: prices include it), rounded down.
    tax: int

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label.model_dump(exclude_none=True),
            "unit_amount": self.unit_amount,
            "quantity": self.quantity,
            "amount": self.amount,
            "taxable": self.taxable,
            "tax_rate": self.tax_rate if self.taxable else 0,
            "tax": self.tax,
        }


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    # Keys of lines whose rule failed to give an amount (counted as 0).
    problems: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def tax_total(self) -> int:
        return sum(line.tax for line in self.lines)

    @property
    def payable(self) -> bool:
        return self.total > 0 and not self.problems and self.total <= FEE_MAX_AMOUNT

    def lines_json(self) -> list[dict[str, Any]]:
        return [line.as_json() for line in self.lines]


def included_tax(amount: int, rate: int) -> int:
    """The tax inside a tax-inclusive price: amount × rate / (100 + rate), rounded down
    (端数切捨て, the usual rounding for 総額表示)."""
    return amount * rate // (100 + rate)


def quote(schema: FormSchema, answers: Mapping[str, Any]) -> Quote | None:
    """The fee for these answers, or None when the form charges nothing."""
    if schema.fees is None:
        return None
    lines: list[QuoteLine] = []
    problems: list[str] = []
    for item in schema.fees.items:
        applies = _applies(item, answers)
        if applies is False:
            continue
        line = _line(schema, item, answers) if applies else None
        if line is None:
            problems.append(item.key)
            continue
        if line.amount or line.quantity:
            lines.append(line)
    return Quote(lines=tuple(lines), problems=tuple(problems))


def _applies(item: FeeItem, answers: Mapping[str, Any]) -> bool | None:
    """Whether the line's ``applies_if`` holds; None when the rule fails for these answers
    (an index past a list's end, a number too large for a float): the line is flagged."""
    if not item.applies_if:
        return True
    try:
        return bool(evaluate(item.applies_if, answers))
    except RuleFailed:
        return None


def _line(schema: FormSchema, item: FeeItem, answers: Mapping[str, Any]) -> QuoteLine | None:
    quantity = 1
    if item.quantity_field is not None:
        counted = _quantity(schema, item.quantity_field, answers)
        if counted is None:
            return None
        quantity = counted
    if item.amount is not None:
        amount = _whole_yen(_evaluate(item.amount, answers))
        if amount is None:
            return None
        # A line always reads unit × quantity = amount (the 領収書 prints all three): the
        # counted quantity where the rule's amount divides by it, else one of the amount.
        if amount == 0:
            quantity = 0
        elif quantity == 0 or amount % quantity:
            quantity = 1
        unit = amount // quantity if quantity else 0
    else:
        unit = item.unit_amount
        amount = unit * quantity
    if amount > FEE_MAX_AMOUNT:
        return None
    tax = included_tax(amount, item.tax_rate) if item.taxable else 0
    return QuoteLine(
        key=item.key,
        label=item.label,
        unit_amount=unit,
        quantity=quantity,
        amount=amount,
        taxable=item.taxable,
        tax_rate=item.tax_rate,
        tax=tax,
    )


def _quantity(schema: FormSchema, key: str, answers: Mapping[str, Any]) -> int | None:
    value = answers.get(key)
    if value in (None, "", []):
        return 0
    try:
        counted = schema.field(key)
    except KeyError:
        return None
    if isinstance(counted, ChoiceField):
        # The options ticked, each once; a value that is not an option counts nothing.
        offered = {option.value for option in counted.options}
        chosen = value if isinstance(value, list) else [value]
        return len({v for v in chosen if isinstance(v, str) and v in offered})
    return _whole_yen(value)


def _evaluate(logic: Any, answers: Mapping[str, Any]) -> Any:
    try:
        return evaluate(logic, answers)
    except RuleFailed:  # a rule failing for these answers gives no amount
        return None


def _whole_yen(value: Any) -> int | None:
    """A non-negative whole number from an answer or a rule's result, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            return None
    if isinstance(value, int):
        return value if 0 <= value <= FEE_MAX_AMOUNT else None
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0 or value != int(value):
            return None
        return int(value) if value <= FEE_MAX_AMOUNT else None
    return None
