"""What staff post on a submission's page and the inbox, checked by Django forms.

The forms check the shape of what was sent (a status that exists, a colleague from the
list, a date that is a date, a file); whether the change is allowed is the workflow's
decision (``submissions.workflow`` refuses with its own messages). A form shown again
keeps what was typed (``entered``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.submissions.models import Status
from madoguchi.tenants.models import StaffMember


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

    def __init__(self, *args: Any, field_keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Added here, not declared: a field named "fields" would hide Form.fields. Which
        # answers may be reopened is the workflow's check (it names the problem).
        self.fields["fields"] = forms.MultipleChoiceField(
            label=_("Answers to correct"),
            required=False,
            choices=[(key, key) for key in field_keys],
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
