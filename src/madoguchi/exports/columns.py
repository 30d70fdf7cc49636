"""Columns of an export: what each one reads and how an answer becomes one cell of text.

A column's ``source`` is a stable name (``receipt_number``, ``answer:name`` ...) that
export profiles store; its header is whatever the back-office system expects. Answers
are flattened per the form version the submission answered: choices as their
Japanese labels, checkbox lists joined with "、", dates in ISO 8601 or 和暦, files as
name and SHA-256.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.fields.json import KeyTextTransform
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.forms import fieldtypes
from madoguchi.forms.schema import FormField, FormSchema
from madoguchi.jp import wareki
from madoguchi.submissions import identity_levels
from madoguchi.submissions.models import Channel, Status

from .writers import CellValue

DateStyle = Literal["iso", "wareki"]
ANSWER_PREFIX = "answer:"
# The columns of every submission, in the order the default profile uses.
FIXED_SOURCES = {
    "receipt_number": gettext_lazy("Receipt number"),
    "submitted_at": gettext_lazy("Received at"),
    "status": gettext_lazy("Status"),
    "channel": gettext_lazy("Channel"),
    "identity_level": gettext_lazy("Identity verification"),
    # The same level as its stable code (submissions.identity_levels), for systems that
    # branch on it; the column above is its label in the export's language.
    "identity_level_code": gettext_lazy("Identity verification (code)"),
    "form_version": gettext_lazy("Form version"),
    # 到達日 of a paper application (mail); empty for online ones (see Submission.received_on).
    "received_on": gettext_lazy("Date of arrival"),
}
DEFAULT_FIXED = ["receipt_number", "submitted_at", "status", "identity_level"]
# What the export query reads per submission, in this order, followed by the text of
# each answer a column needs (see answer_values); RowBuilder.cells reads them by position.
VALUE_FIELDS = (
    "id",
    "receipt_number",
    "submitted_at",
    "status",
    "channel",
    "identity_level",
    "form_version_id",
    "received_on",
)


@dataclass(frozen=True)
class Column:
    source: str
    header: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "header": self.header}


def answer_source(key: str) -> str:
    return f"{ANSWER_PREFIX}{key}"


def answer_keys(columns: list[Column]) -> list[str]:
    return [
        c.source.removeprefix(ANSWER_PREFIX) for c in columns if c.source.startswith(ANSWER_PREFIX)
    ]


def answer_values(columns: list[Column]) -> dict[str, KeyTextTransform]:
    """The answers the columns need, extracted by the database as text (``->>``).

    Only those keys cross the wire, and no per-row JSON document is decoded in Python:
    that is most of the cost of an export. Lists (checkboxes, files) arrive as JSON text.
    """
    return {
        f"answer_{i}": KeyTextTransform(key, "answers")
        for i, key in enumerate(answer_keys(columns))
    }


def field_columns(form_field: FormField, *, language: str = "ja") -> list[Column]:
    """The columns one question of a form contributes, with their default headers.

    The only place that knows which columns a field type exports (one per question that
    collects input; none for headings and notes). The field-type registry replaces it.
    """
    if not form_field.collects_input:
        return []
    return [Column(answer_source(form_field.key), form_field.label.get(language))]


def answer_columns(schema: FormSchema, *, language: str = "ja") -> list[Column]:
    """Every question's columns, in the form's order."""
    return [c for f in schema.fields() for c in field_columns(f, language=language)]


def available_sources(schema: FormSchema, *, language: str = "ja") -> list[Column]:
    """Every column a profile of this form may use, with its default header."""
    with translation.override(language):
        fixed = [Column(source, str(label)) for source, label in FIXED_SOURCES.items()]
    return fixed + answer_columns(schema, language=language)


def default_columns(schema: FormSchema) -> list[Column]:
    """The profile every form has without configuration: the basics, then every answer."""
    by_source = {c.source: c for c in available_sources(schema)}
    return [by_source[s] for s in DEFAULT_FIXED] + answer_columns(schema)


def stored_columns(data: list[dict[str, str]]) -> list[Column]:
    """Columns as a profile or job stores them (written by :meth:`Column.as_dict` only)."""
    return [Column(c["source"], c["header"]) for c in data]


Cell = Callable[[tuple[Any, ...]], CellValue]


class RowBuilder:
    """Turns one ``values_list(*VALUE_FIELDS, *answer_values(columns))`` tuple into cells.

    The cell functions are prepared once per form version (submissions of one form
    can answer different versions), so the per-row work is a few dict look-ups.
    Values are written in ``language`` (Japanese for back-office systems). With ``typed``
    (XLSX), the receipt time, number answers and date answers are returned as ``datetime``
    (local, naive), ``int``/``float`` and ``date``, taken from the validated values the
    submission stores, never parsed out of text a resident typed.
    """

    def __init__(
        self,
        columns: list[Column],
        *,
        schema_for: Callable[[int], FormSchema],
        date_style: DateStyle = "iso",
        language: str = "ja",
        typed: bool = False,
    ) -> None:
        self.columns = columns
        self.typed = typed
        self.schema_for = schema_for
        self.date_style = date_style
        self.language = language
        self.zone = ZoneInfo(settings.TIME_ZONE)
        with translation.override(language):
            self.status_labels = {s.value: str(s.label) for s in Status}
            self.channel_labels = {c.value: str(c.label) for c in Channel}
            self.identity_labels = dict(identity_levels.choices())
            self.agreed = _("Agreed")
        self._cells: dict[int, list[Cell]] = {}
        self._answer_position = {
            key: len(VALUE_FIELDS) + i for i, key in enumerate(answer_keys(columns))
        }

    def cells(self, values: tuple[Any, ...]) -> list[CellValue]:
        version_id = values[6]
        functions = self._cells.get(version_id)
        if functions is None:
            schema = self.schema_for(version_id)
            functions = self._cells[version_id] = [self._cell(c, schema) for c in self.columns]
        return [function(values) for function in functions]

    def _cell(self, column: Column, schema: FormSchema) -> Cell:
        source = column.source
        if source == "receipt_number":
            return lambda v: str(v[1])
        if source == "submitted_at":
            if self.typed:
                return lambda v: v[2].astimezone(self.zone).replace(tzinfo=None)
            return lambda v: self.datetime_text(v[2])
        if source == "status":
            return lambda v: self.status_labels.get(v[3], str(v[3]))
        if source == "channel":
            return lambda v: self.channel_labels.get(v[4], str(v[4]))
        if source == "identity_level":
            return lambda v: self.identity_labels.get(v[5], str(v[5]))
        if source == "identity_level_code":
            return lambda v: str(v[5])
        if source == "form_version":
            return lambda v: str(v[6])
        if source == "received_on":
            if self.typed:
                return lambda v: v[7] if v[7] is not None else ""
            return lambda v: self.date_text(v[7]) if v[7] is not None else ""
        key = source.removeprefix(ANSWER_PREFIX)
        try:
            form_field = schema.field(key)
        except KeyError:
            # A column for a question this version does not ask stays empty.
            return lambda v: ""
        render = self.answer_renderer(form_field)
        position = self._answer_position[key]

        def cell(v: tuple[Any, ...]) -> CellValue:
            value = v[position]
            if value is None or value == "" or value == "[]":
                return ""
            return render(value)

        return cell

    def datetime_text(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        if self.date_style == "wareki":
            return f"{self.date_text(local.date())} {local:%H:%M:%S}"
        return local.isoformat(timespec="seconds")

    def date_text(self, day: date) -> str:
        if self.date_style == "wareki" and day >= wareki.ERAS[0].start:
            return wareki.format_wareki(day)
        return day.isoformat()

    def answer_renderer(self, form_field: FormField) -> Callable[[Any], CellValue]:
        """One answer as a cell: each field type says how (see ``export_renderer`` in
        :mod:`madoguchi.forms.fieldtypes`); this builder gives it the language, whether
        cells are typed, and how dates read as text."""
        return fieldtypes.of(form_field).export_renderer(form_field, self)
