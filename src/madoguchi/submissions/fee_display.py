"""A fee as the resident reads it: lines, amounts in yen, and the tax each price includes.

Used by the review page (the quote from the answers, before sending) and by the apps that
show or print a payment (madoguchi.payments: the status panel, emails and the 領収書), so
the same line reads the same everywhere. Works on the stored shape of a quote line
(``forms.fees.QuoteLine.as_json``). Call inside the language to display (texts are
translated here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.forms.fees import Quote
from madoguchi.forms.schema import FeeSettings, LocalizedText

__all__ = ["FeeRow", "QuoteView", "line_rows", "quote_view", "tax_note", "yen"]


def yen(amount: int) -> str:
    """``1,200円`` (``1,200 yen`` in English)."""
    return _("%(amount)s yen") % {"amount": f"{amount:,}"}


@dataclass(frozen=True)
class FeeRow:
    label: str
    # "300円 × 2" when the line counts something, "" for a single fixed fee.
    quantity: str
    amount: str
    taxable: bool
    tax_rate: int
    # 「非課税」, or 「10%対象（うち消費税 54円）」.
    tax: str


def tax_note(line: Mapping[str, Any]) -> str:
    if not line.get("taxable"):
        return _("Not taxable")
    return _("Includes %(rate)s%% consumption tax (%(tax)s)") % {
        "rate": line.get("tax_rate", 10),
        "tax": yen(int(line.get("tax", 0))),
    }


def _label(label: Any, language: str) -> str:
    if isinstance(label, Mapping):
        return LocalizedText.model_validate(label).get(language)
    return str(label)


def line_rows(lines: Sequence[Mapping[str, Any]]) -> list[FeeRow]:
    """Each stored quote line as the resident reads it, in the active language."""
    language = get_language() or "ja"
    rows = []
    for line in lines:
        quantity = int(line.get("quantity", 1))
        unit = int(line.get("unit_amount", 0))
        counted = quantity != 1 and unit > 0
        rows.append(
            FeeRow(
                label=_label(line.get("label", ""), language),
                quantity=f"{yen(unit)} × {quantity}" if counted else "",
                amount=yen(int(line.get("amount", 0))),
                taxable=bool(line.get("taxable")),
                tax_rate=int(line.get("tax_rate", 0)),
                tax=tax_note(line),
            )
        )
    return rows


@dataclass(frozen=True)
class QuoteView:
    """What the review page says about the fee for the answers given."""

    timing: str  # on_submission | after_review
    rows: list[FeeRow]
    total: str
    tax_total: str
    # The answers give an amount that can be paid online (on_submission) or estimated.
    payable: bool
    # A rule could not be worked out from the answers (the amount is not known).
    problem: bool
    description: str


def quote_view(fees: FeeSettings, quote: Quote) -> QuoteView:
    language = get_language() or "ja"
    return QuoteView(
        timing=fees.timing,
        rows=line_rows(quote.lines_json()),
        total=yen(quote.total),
        tax_total=yen(quote.tax_total) if quote.tax_total else "",
        payable=quote.payable,
        problem=bool(quote.problems) or (not quote.payable and quote.total > 0),
        description=fees.description.get(language) if fees.description else "",
    )
