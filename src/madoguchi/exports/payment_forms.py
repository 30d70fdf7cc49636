"""What the treasury asks for on the reconciliation page: a period, a procedure, a file."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .payment_selectors import MAX_DAYS, Period

FORMAT_CHOICES = [
    ("csv", _("Itemized rows (CSV)")),
    ("summary_csv", _("Totals (CSV)")),
    ("xlsx", _("Rows and totals (Excel)")),
]
ENCODING_CHOICES = [
    ("utf-8-sig", _("UTF-8 (with BOM)")),
    ("cp932", _("Shift_JIS (CP932)")),
]


class PaymentExportForm(forms.Form):
    """The period (days in Asia/Tokyo, both included), an optional procedure and the file.

    Read for the preview (GET) and the download (POST) alike; ``procedures`` are the
    (form id, title) pairs the staff member may choose from.
    """

    to = forms.DateField(
        label=_("To"), error_messages={"required": _("Enter the last day of the period.")}
    )
    procedure = forms.TypedChoiceField(
        label=_("Procedure"), required=False, coerce=int, empty_value=None
    )
    format = forms.ChoiceField(label=_("File"), choices=FORMAT_CHOICES, required=False)
    encoding = forms.ChoiceField(
        label=_("Character encoding (CSV)"), choices=ENCODING_CHOICES, required=False
    )

    ANCHORS = {"format": "format-csv", "encoding": "encoding-utf-8-sig"}

    def __init__(self, *args: Any, procedures: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is the parameter's name, as on the other export page, but a Python keyword.
        self.fields["from"] = forms.DateField(
            label=_("From"), error_messages={"required": _("Enter the first day of the period.")}
        )
        self.order_fields(["from", "to", "procedure", "format", "encoding"])
        field = self.fields["procedure"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All procedures")), *((str(pk), t) for pk, t in procedures)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first: date | None = cleaned.get("from")
        last: date | None = cleaned.get("to")
        if first and last:
            if first > last:
                self.add_error("to", _("The last day must be on or after the first day."))
            elif Period(first, last).days > MAX_DAYS:
                self.add_error(
                    "to",
                    _("Choose at most %(days)d days (one year); export a longer time in parts.")
                    % {"days": MAX_DAYS},
                )
        return cleaned

    def period(self) -> Period:
        return Period(self.cleaned_data["from"], self.cleaned_data["to"])
