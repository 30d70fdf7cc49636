"""The counter set-up form: the counter's settings and its opening hours per weekday."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Department

from .models import Counter

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class CounterForm(forms.ModelForm[Counter]):
    class Meta:
        model = Counter
        fields = [
            "department",
            "name",
            "capacity",
            "slot_minutes",
            "horizon_days",
            "cutoff_hours",
            "new_year_closed",
        ]

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = departments
        hours = {h.weekday: h for h in self.instance.hours.all()} if self.instance.pk else {}
        for weekday, label in enumerate(WEEKDAYS):
            current = hours.get(weekday)
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                label=_("%(day)s opens") % {"day": label},
                required=False,
                initial=current.opens if current else None,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                label=_("%(day)s closes") % {"day": label},
                required=False,
                initial=current.closes if current else None,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for weekday in range(7):
            opens, closes = cleaned.get(f"opens_{weekday}"), cleaned.get(f"closes_{weekday}")
            if (opens is None) != (closes is None):
                self.add_error(
                    f"closes_{weekday}",
                    _("Give both the opening and the closing time, or neither."),
                )
            elif opens is not None and closes is not None and opens >= closes:
                self.add_error(
                    f"closes_{weekday}", _("The closing time must be after the opening time.")
                )
        return cleaned

    def hours(self) -> dict[int, tuple[time, time]]:
        return {
            weekday: (self.cleaned_data[f"opens_{weekday}"], self.cleaned_data[f"closes_{weekday}"])
            for weekday in range(7)
            if self.cleaned_data.get(f"opens_{weekday}") is not None
        }


class ClosureForm(forms.Form):
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and first > last:
            self.add_error("last_day", _("The last day must not be before the first day."))
        return cleaned


class CheckInForm(forms.Form):
    """Reception's one input: what the scanner types (USB or camera) or the clerk types."""

    scan = forms.CharField(label=_("Booking number or code"), max_length=200, strip=True)
