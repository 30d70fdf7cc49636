"""What staff post on a submission's page and the inbox, checked by Django forms.

The forms check the shape of what was sent (a status that exists, a colleague from the
list, a date that is a date, a file); whether the change is allowed is the workflow's
decision (``submissions.workflow`` refuses with its own messages). A form shown again
keeps what was typed (``entered``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.schema import FEE_MAX_AMOUNT
from madoguchi.submissions.models import Status
from madoguchi.tenants.models import StaffMember

from .fees import QUANTITY_MAX, FeeOffer, confirmed_lines, total_of, yen


class StatusForm(forms.Form):
    """A new status for one submission; a reason, and the answers to reopen on a return."""

    to_status = forms.ChoiceField(
        label=_("New status"),
        choices=Status.choices,
        error_messages={
            "required": _("Choose the new status."),
            "invalid_choice": _("Choose the new status."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (the applicant reads it; required to reject or return)"),
        required=False,
        strip=False,
    )

    def __init__(
        self,
        *args: Any,
        field_keys: list[str],
        offer: FeeOffer | None = None,
        refundable: bool = False,
        language: str = "ja",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Added here, not declared: a field named "fields" would hide Form.fields. Which
        # answers may be reopened is the workflow's check (it names the problem).
        self.fields["fields"] = forms.MultipleChoiceField(
            label=_("Answers to correct"),
            required=False,
            choices=[(key, key) for key in field_keys],
        )
        self.offer = offer
        self.refundable = refundable
        # Set by clean() when approving a 事後決済 form: the lines to charge ([] for none)
        # and whether they differ from the quote.
        self.fee_lines: list[dict[str, Any]] = []
        self.fee_changed = False
        if offer is not None:
            for line in offer.lines:
                label = line.label.get(language)
                self.fields[line.quantity_field] = forms.CharField(
                    label=gettext("Quantity: %(item)s") % {"item": label}, required=False
                )
                self.fields[line.unit_field] = forms.CharField(
                    label=gettext("Unit amount (yen): %(item)s") % {"item": label},
                    required=False,
                )
            self.fields["no_fee"] = forms.BooleanField(
                label=_("Approve without a fee (0 yen: no payment is asked for)"), required=False
            )
            self.fields["fee_reason"] = forms.CharField(
                label=_("Reason for changing the quoted fee"), required=False
            )
            # Never an input: the line the summary links for a problem with the total.
            self.fields["fee_total"] = forms.CharField(label=_("Fee"), required=False)
        if refundable:
            self.fields["refund"] = forms.BooleanField(label=_("Refund the fee"), required=False)
            self.fields["refund_reason"] = forms.CharField(
                label=_("Reason for the refund"), required=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.offer is not None and cleaned.get("to_status") == Status.APPROVED:
            self._clean_fee(cleaned)
        return cleaned

    def _clean_fee(self, cleaned: dict[str, Any]) -> None:
        assert self.offer is not None
        entered: dict[str, tuple[int, int]] = {}
        for line in self.offer.lines:
            quantity = _whole(self.data.get(line.quantity_field, ""), QUANTITY_MAX)
            unit = _whole(self.data.get(line.unit_field, ""), FEE_MAX_AMOUNT)
            if quantity is None:
                self.add_error(
                    line.quantity_field,
                    gettext("Enter the quantity as a whole number from 0 to %(max)s.")
                    % {"max": f"{QUANTITY_MAX:,}"},
                )
            if unit is None:
                self.add_error(
                    line.unit_field,
                    gettext("Enter the unit amount in whole yen from 0 to %(max)s.")
                    % {"max": f"{FEE_MAX_AMOUNT:,}"},
                )
            if quantity is not None and unit is not None:
                entered[line.key] = (quantity, unit)
        if len(entered) != len(self.offer.lines):
            return
        lines = confirmed_lines(self.offer, entered)
        total = total_of(lines)
        no_fee = bool(cleaned.get("no_fee"))
        if no_fee:
            lines, total = [], 0
        elif total == 0:
            self.add_error(
                "fee_total",
                gettext(
                    "The fee comes to 0 yen. Enter the quantities and amounts, or tick "
                    "“Approve without a fee” to approve without asking for a payment."
                ),
            )
        elif total > FEE_MAX_AMOUNT:
            self.add_error(
                "fee_total",
                gettext(
                    "The fee comes to %(total)s; one payment can be at most %(max)s. Check "
                    "the quantities and unit amounts."
                )
                % {"total": yen(total), "max": yen(FEE_MAX_AMOUNT)},
            )
        quoted = [
            (line.key, line.quantity, line.unit_amount, line.amount)
            for line in self.offer.lines
            if not line.problem
        ]
        charged = [
            (line["key"], line["quantity"], line["unit_amount"], line["amount"]) for line in lines
        ]
        self.fee_changed = quoted != charged
        if self.fee_changed and not str(cleaned.get("fee_reason", "")).strip():
            self.add_error(
                "fee_reason",
                gettext(
                    "Give the reason for changing the quoted fee of %(quoted)s (kept in the "
                    "internal comments)."
                )
                % {"quoted": yen(self.offer.total)},
            )
        self.fee_lines = lines

    def wants_refund(self) -> bool:
        """A rejection that also refunds the paid fee (the box is ticked when offered)."""
        return self.refundable and bool(self.cleaned_data.get("refund"))

    def refund_reason(self) -> str:
        """The refund's reason; the rejection's own when none was given."""
        given = str(self.cleaned_data.get("refund_reason", "")).strip()
        return (given or str(self.cleaned_data.get("reason", "")).strip())[:REFUND_REASON_MAX]


REFUND_REASON_MAX = 500


def _whole(value: str, largest: int) -> int | None:
    """A whole number from 0 to ``largest`` as typed (full-width digits and commas fold:
    １，２００ is 1200), or None."""
    text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    if not text.isdecimal():
        return None
    number = int(text)
    return number if number <= largest else None


class RefundForm(forms.Form):
    """The reason for refunding a paid fee (the applicant is told; kept with the payment)."""

    refund_reason = forms.CharField(
        label=_("Reason for the refund"),
        max_length=REFUND_REASON_MAX,
        error_messages={
            "required": _("Give the reason for the refund."),
            "max_length": _("Write the reason in at most %(limit_value)d characters."),
        },
    )


class AssignForm(forms.Form):
    """Who handles a submission and by when; empty clears either."""

    assignee = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        error_messages={"invalid_choice": _("Choose a colleague from the list.")},
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the due date as a date such as 2026-12-01.")},
    )

    def __init__(self, *args: Any, colleagues: list[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.colleagues = {str(c.pk): c for c in colleagues}
        self.fields["assignee"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (pk, c.display_name) for pk, c in self.colleagues.items()
        ]

    def chosen_assignee(self) -> StaffMember | None:
        return self.colleagues.get(self.cleaned_data.get("assignee") or "")


class CommentForm(forms.Form):
    """An internal comment; its length and emptiness are the workflow's checks."""

    body = forms.CharField(label=_("Add a comment"), required=False, strip=False)


class ResultForm(forms.Form):
    """The result document delivered to the applicant (the workflow checks it is a PDF)."""

    result = forms.FileField(
        label=_("Deliver the result (電子交付): the certificate or notice as PDF"),
        error_messages={"required": _("Choose the PDF to deliver.")},
    )


class _ReceiptNumbers(forms.MultipleChoiceField):
    """Receipt numbers as sent; which of them the staff member may see is the selector's."""

    def valid_value(self, value: str) -> bool:
        return True

    def clean(self, value: Any) -> list[str]:
        chosen: list[str] = super().clean(value)
        return chosen[:200]


class BulkStatusForm(forms.Form):
    """A status for the submissions ticked in the inbox (at most 200 at once).

    Whether each may take that status is checked all or nothing by the view and workflow.
    """

    receipt = _ReceiptNumbers(error_messages={"required": _("Choose at least one submission.")})
    to_status = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)


class LoginForm(forms.Form):
    """A user name and password; whether they are right is the login service's check, with
    one message for every failure (it must not tell which user names exist)."""

    username = forms.CharField(label=_("User name"), required=False)
    password = forms.CharField(label=_("Password"), required=False, strip=False)


class CodeForm(forms.Form):
    """The one-time code from the authenticator app (checked by the login service)."""

    code = forms.CharField(label=_("6-digit code"), required=False)
