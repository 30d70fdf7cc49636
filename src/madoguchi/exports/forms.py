"""What staff post on the export pages, checked by Django forms (never ``request.POST.get``).

Both forms keep what was typed when they are shown again; the views pass their errors to
``includes/error_summary.html`` through :func:`madoguchi.core.forms.summary` (each a link
to its field, by the forms' ``ANCHORS``). An absent choice takes the profile's setting; a
value that is not one of the choices (only a hand-made request sends one) is an error, as
is a date that is not a date: an export never goes ahead with a filter it silently dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.submissions.models import Status

from .columns import Column
from .models import DateStyle, ExportEncoding, ExportFormat, ExportProfile, Unencodable
from .selectors import Filters


def _choice(choices: list[tuple[str, Any]], label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, required=False, label=label)


class ExportForm(forms.Form):
    """The export page: a profile, which submissions, and the file's settings.

    Read on GET too (switching profile, receipts selected in the inbox), where an invalid
    value is left out rather than reported: only a POST starts an export.
    """

    profile = forms.CharField(required=False)
    status = forms.MultipleChoiceField(choices=Status.choices, required=False, label=_("Status"))
    to = forms.DateField(required=False, label=_("Received until"))
    receipt = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    format = _choice(ExportFormat.choices, _("Format"))
    encoding = _choice(ExportEncoding.choices, _("Character encoding (CSV)"))
    date_style = _choice(DateStyle.choices, _("Dates"))
    unencodable = _choice(
        Unencodable.choices, _("Characters CP932 cannot hold (emoji, rare kanji)")
    )

    # Where each field's summary link goes (radio buttons: the first of them).
    ANCHORS = {
        "status": f"status-{Status.choices[0][0]}",
        "format": f"format-{ExportFormat.CSV}",
        "encoding": f"encoding-{ExportEncoding.UTF8_BOM}",
        "date_style": f"date-{DateStyle.ISO}",
        "unencodable": f"unencodable-{Unencodable.REFUSE}",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is the parameter's name (links and bookmarks use it) but a Python keyword.
        self.fields["from"] = forms.DateField(required=False, label=_("Received from"))
        self.order_fields(["profile", "status", "from", "to"])

    def _value(self, name: str) -> Any:
        if self.is_bound and not hasattr(self, "cleaned_data"):
            self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name)

    def options(self, profile: ExportProfile | None) -> dict[str, str]:
        """The file's settings: what was chosen, else the profile's, else the defaults."""
        settings_from = profile or ExportProfile()
        return {
            "format": self._value("format") or ExportFormat.CSV,
            "encoding": self._value("encoding") or settings_from.encoding,
            "date_style": self._value("date_style") or settings_from.date_style,
            "unencodable": self._value("unencodable") or settings_from.unencodable,
        }

    def filters(self) -> Filters:
        submitted_from: date | None = self._value("from")
        submitted_to: date | None = self._value("to")
        return Filters(
            statuses=tuple(self._value("status") or ()),
            submitted_from=submitted_from,
            submitted_to=submitted_to,
            receipt_numbers=tuple(self._value("receipt") or ()),
        )


class SelectedForm(forms.Form):
    """The inbox's "export the selected" button: the receipt numbers of the checked rows."""

    receipt = forms.Field(required=False, widget=forms.MultipleHiddenInput)

    def receipts(self) -> list[str]:
        return [str(r) for r in self.cleaned_data.get("receipt") or []] if self.is_valid() else []


class ProfileForm(forms.Form):
    """An export profile: its name, its columns (checked, ordered, named) and settings.

    The column fields are made per source (``use-N``, ``position-N``, ``header-N``, N the
    source's index in ``sources``). An order that is not a number keeps the list's order,
    and an empty header the source's default, as before these were forms.
    """

    name = forms.CharField(
        max_length=100,
        label=_("Profile name"),
        error_messages={"required": _("Enter a name for the profile.")},
    )
    encoding = _choice(ExportEncoding.choices, _("Character encoding (CSV)"))
    date_style = _choice(DateStyle.choices, _("Dates"))
    unencodable = _choice(
        Unencodable.choices, _("Characters CP932 cannot hold (emoji, rare kanji)")
    )

    ANCHORS = {
        "encoding": f"encoding-{ExportEncoding.UTF8_BOM}",
        "date_style": f"date-{DateStyle.ISO}",
        "unencodable": f"unencodable-{Unencodable.REFUSE}",
    }
    GENERAL = _("Columns")

    def __init__(
        self,
        *args: Any,
        sources: list[Column],
        others: set[str],
        **kwargs: Any,
    ) -> None:
        """``others``: the names of the form's other profiles (a name must be new)."""
        super().__init__(*args, **kwargs)
        self.sources = sources
        self.others = others
        for index in range(len(sources)):
            self.fields[f"use-{index}"] = forms.BooleanField(required=False)
            self.fields[f"position-{index}"] = forms.CharField(required=False)
            self.fields[f"header-{index}"] = forms.CharField(required=False)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name in self.others:
            raise forms.ValidationError(_("Another profile of this form has that name."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["columns"] = self._columns(cleaned)
        if not cleaned["columns"]:
            raise forms.ValidationError(_("Choose at least one column."))
        return cleaned

    def _columns(self, cleaned: dict[str, Any]) -> list[Column]:
        """Checked sources, ordered by their position numbers (then by the list's order)."""
        chosen = []
        for index, source in enumerate(self.sources):
            if not cleaned.get(f"use-{index}"):
                continue
            header = (cleaned.get(f"header-{index}") or "")[:100] or source.header
            try:
                position = int(cleaned.get(f"position-{index}") or "")
            except ValueError:
                position = index + 1
            chosen.append((position, index, Column(source.source, header)))
        return [column for _p, _i, column in sorted(chosen, key=lambda item: item[:2])]

    def setting(self, name: str, profile: ExportProfile | None) -> str:
        """A radio group's value to show: as posted, else the profile's."""
        posted = str(self.data.get(name, "")) if self.is_bound else ""
        return posted or (str(getattr(profile, name)) if profile else "")
