"""Forms of the staff's planning pages: moving a booking, procedure lengths, statistics range."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import statistics
from .staff_selectors import LengthRow
from .staff_services import MAX_PROCEDURE_MINUTES, MoveReason


class MoveDayForm(forms.Form):
    """The day to look for free times on (a GET form)."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))


class MoveForm(forms.Form):
    start = forms.ChoiceField(label=_("New time"), widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), choices=MoveReason.choices)

    def __init__(self, *args: Any, times: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = self.fields["start"]
        assert isinstance(start, forms.ChoiceField)
        start.choices = times
        start.error_messages["invalid_choice"] = _(
            "That time is no longer free. Choose one of the times shown."
        )


def length_field_name(form_id: int) -> str:
    return f"minutes_{form_id}"


class LengthsForm(forms.Form):
    """One field of minutes per procedure; empty means one slot."""

    def __init__(self, *args: Any, rows: list[LengthRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        message = _("Enter whole minutes from 1 to %(most)d, or leave it empty for one slot.") % {
            "most": MAX_PROCEDURE_MINUTES
        }
        for row in rows:
            self.fields[length_field_name(row.form.pk)] = forms.IntegerField(
                label=_("%(procedure)s (minutes)") % {"procedure": row.title},
                required=False,
                min_value=1,
                max_value=MAX_PROCEDURE_MINUTES,
                initial=row.minutes,
                error_messages={"invalid": message, "min_value": message, "max_value": message},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def minutes(self) -> dict[int, int | None]:
        return {
            row.form.pk: self.cleaned_data.get(length_field_name(row.form.pk)) for row in self.rows
        }


class StatisticsRangeForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(
        label=_("Per"),
        choices=[(statistics.Grouping.WEEK, _("week")), (statistics.Grouping.DAY, _("day"))],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first"), cleaned.get("last")
        if isinstance(first, date) and isinstance(last, date):
            if first > last:
                self.add_error("last", _("The last day must not be before the first day."))
            elif (last - first).days >= statistics.MAX_DAYS:
                self.add_error(
                    "last",
                    _("Choose at most %(days)d days at once.") % {"days": statistics.MAX_DAYS},
                )
        return cleaned
