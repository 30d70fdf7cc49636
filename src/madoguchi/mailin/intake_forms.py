"""What staff post at intake: the scanned or typed code, then the paper's checks and accept."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.submissions import uploads

from .intake import Change, ScanOfSealed

# A version 20 QR code at level M holds 970 characters; a little room for scanner noise.
SCAN_MAX_CHARS = 2000


class ScanForm(forms.Form):
    """The focused input a USB scanner types the QR code into (or staff type the reference)."""

    scan = forms.CharField(
        label=_("Code or mail reference"),
        max_length=SCAN_MAX_CHARS,
        error_messages={
            "required": _("Scan the code on the paper or type its mail reference (M-…)."),
            "max_length": _("This is longer than any code on a mail-in paper. Scan it again."),
        },
    )


class AcceptForm(forms.Form):
    """The paper checked against the answers: its date of arrival, what came with it, a
    changed answer (with why), its scan; ``scan`` carries the code read on the first page."""

    scan = forms.CharField(widget=forms.HiddenInput, max_length=SCAN_MAX_CHARS)
    received_on = forms.DateField(
        label=_("Date of arrival"),
        error_messages={
            "required": _("Enter the date the paper arrived."),
            "invalid": _("Enter the date the paper arrived as a date, e.g. 2026-04-01."),
        },
    )
    enclosures = forms.MultipleChoiceField(label=_("Enclosures received"), required=False)
    change_key = forms.ChoiceField(label=_("Answer changed on the paper"), required=False)
    change_value = forms.CharField(label=_("The answer on the paper"), required=False)
    change_reason = forms.CharField(
        label=_("Why it changed"), required=False, max_length=1000, widget=forms.Textarea
    )
    paper_scan = forms.FileField(label=_("Scan of the paper (PDF)"), required=False)

    def __init__(
        self,
        *args: Any,
        questions: list[tuple[str, str]],
        enclosures: list[str],
        sealed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A form with encryption on keeps no scan of its paper (intake.ScanOfSealed).
        self.sealed = sealed
        self.fields["change_key"].choices = [("", "—"), *questions]  # type: ignore[attr-defined]
        self.fields["enclosures"].choices = [(e, e) for e in enclosures]  # type: ignore[attr-defined]

    def clean_received_on(self) -> date:
        received: date = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise forms.ValidationError(_("The date of arrival cannot be in the future."))
        return received

    def clean_paper_scan(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("paper_scan")
        if upload is None:
            return None
        if self.sealed:
            raise forms.ValidationError(ScanOfSealed().message)
        problem = uploads.paper_scan_problem(upload)
        if problem is not None:
            raise forms.ValidationError(problem.message)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("change_key"):
            if not data.get("change_value"):
                self.add_error("change_value", _("Enter the answer as it is on the paper."))
            if not data.get("change_reason"):
                self.add_error(
                    "change_reason", _("Say why the answer changed (e.g. corrected by hand).")
                )
        elif data.get("change_value") or data.get("change_reason"):
            self.add_error("change_key", _("Choose the question whose answer changed."))
        return data

    def change(self) -> Change | None:
        data = self.cleaned_data
        if not data.get("change_key"):
            return None
        return Change(data["change_key"], data["change_value"], data["change_reason"])
