"""Forms of the coverage dashboard and the volumes pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from .channels import VolumeChannel
from .volumes import LARGEST_COUNT, MAX_BYTES


class TargetForm(forms.Form):
    target_percent = forms.DecimalField(
        label=_("Target coverage rate (%)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    deadline = forms.DateField(
        label=_("By (deadline)"), widget=forms.DateInput(attrs={"type": "date"})
    )


class MonthField(forms.CharField):
    """A month as YYYY-MM (``<input type="month">``), cleaned to its 1st day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = str(super().to_python(value) or "").strip().replace("/", "-")
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            return date(year, month, 1)
        except ValueError as error:
            raise forms.ValidationError(
                _("Enter the month as YYYY-MM, e.g. 2025-04."), code="invalid"
            ) from error


class VolumeEntryForm(forms.Form):
    """One month of one procedure: a count per channel that is entered (blank: not known)."""

    month = MonthField(label=_("Month"))

    def __init__(self, *args: Any, channels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(VolumeChannel.choices)
        for channel in channels:
            self.fields[channel] = forms.IntegerField(
                label=labels[channel],
                required=False,
                min_value=0,
                max_value=LARGEST_COUNT,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def counts(self) -> dict[str, int | None]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "month"}


class VolumeImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file (手続ID, 年月, 経路, 件数)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB. Please split it by month."), code="too_large"
            )
        return upload


class FiscalYearForm(forms.Form):
    fy = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = [(y, _("FY%(year)d") % {"year": y}) for y in years]  # type: ignore[attr-defined]
