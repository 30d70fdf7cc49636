"""What every field type must say about itself, and the helpers several types share.

A :class:`FieldType` is stateless: one instance per type name, registered in
:mod:`.registry`. Each method receives the question (the type's pydantic model from
:mod:`madoguchi.forms.schema`) and the answer, so the same object serves every form.
Invariants every type keeps:

- :meth:`FieldType.clean` takes any JSON value (never None or empty: the caller skips
  those) and returns the stored answer or raises :class:`FieldInvalid` with a message in
  the active language that says what to fix. It accepts its own JSON shape only.
- :meth:`FieldType.display` of a stored answer never raises: answers stored under an
  earlier version of the form are shown as they are.
- An export renderer receives the value as the database hands it over (JSON numbers and
  lists possibly as text) and never raises either.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, ClassVar, Generic, Protocol, TypeVar

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.jp.errors import InvalidJapaneseInput

from ..schema import BaseField

FieldT = TypeVar("FieldT", bound=BaseField)
# One cell of an export: text, or a typed number or date for a spreadsheet.
CellValue = str | int | float | date | datetime
CellRenderer = Callable[[Any], CellValue]

# WCAG 2.1 SC 1.3.5: the input purposes (HTML autofill tokens) a question may declare.
INPUT_PURPOSES = frozenset(
    {
        "name", "honorific-prefix", "given-name", "additional-name", "family-name",
        "honorific-suffix", "nickname", "organization-title", "username", "new-password",
        "current-password", "organization", "street-address", "address-line1",
        "address-line2", "address-line3", "address-level4", "address-level3",
        "address-level2", "address-level1", "country", "country-name", "postal-code",
        "cc-name", "cc-given-name", "cc-additional-name", "cc-family-name", "cc-number",
        "cc-exp", "cc-exp-month", "cc-exp-year", "cc-csc", "cc-type", "transaction-currency",
        "transaction-amount", "language", "bday", "bday-day", "bday-month", "bday-year",
        "sex", "url", "photo", "tel", "tel-country-code", "tel-national", "tel-area-code",
        "tel-local", "tel-local-prefix", "tel-local-suffix", "tel-extension", "email", "impp",
    }
)  # fmt: skip
# What a card-prefilled question is, when the form does not say.
_PREFILL_PURPOSES = {
    "name": "name",
    "address": "street-address",
    "postal_code": "postal-code",
    "birth_date": "bday",
    "sex": "sex",
}


class FieldInvalid(Exception):
    """An answer a question does not accept; ``message`` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def japanese_error(error: InvalidJapaneseInput) -> FieldInvalid:
    return FieldInvalid(str(error.message))


def label_of(form_field: BaseField) -> str:
    return form_field.label.get(get_language() or "ja")


def string_value(value: Any) -> str:
    """The answer if it is a string: JSON numbers, lists or objects are not text."""
    if not isinstance(value, str):
        raise FieldInvalid(_("Enter text."))
    return value


def check_length(text: str, *, min_length: int | None, max_length: int) -> str:
    """``text`` if its length (in characters, after normalisation) is within bounds."""
    if min_length and len(text) < min_length:
        raise FieldInvalid(
            _("Enter at least %(count)d characters (now %(actual)d).")
            % {"count": min_length, "actual": len(text)}
        )
    if len(text) > max_length:
        raise FieldInvalid(
            _("Enter at most %(count)d characters (now %(actual)d).")
            % {"count": max_length, "actual": len(text)}
        )
    return text


def declared_purpose(form_field: BaseField) -> str:
    """The input purpose the form declares (``autocomplete``) or its card prefill implies."""
    declared = getattr(form_field, "autocomplete", None) or ""
    purpose = declared.strip().lower() or _PREFILL_PURPOSES.get(form_field.prefill or "", "")
    return purpose if purpose in INPUT_PURPOSES else ""


def json_list(value: Any) -> list[Any]:
    """A JSON list answer as the database hands it over (text), or already decoded."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class EditorProp:
    """One input of the builder's field editor. ``kind``: text, ltext (Japanese + English),
    int, number, bool, select, multi, options, ref (another field of the form).

    The builder reads every kind back from a POST the same way, so a type only lists its
    properties; the schema model then validates the result.
    """

    name: str
    kind: str
    label: Any
    help: Any = ""
    choices: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class OptionView:
    value: str
    label: str
    checked: bool


@dataclass
class Widget:
    """What a type's template needs besides the label, help, value and errors every
    question has: ``extra`` is the template's ``field.extra``."""

    extra: dict[str, Any] = field(default_factory=dict)
    widget: str = ""
    options: list[OptionView] = field(default_factory=list)


class ExportCells(Protocol):
    """How an export wants its cells: the language of labels, whether numbers and dates
    are typed (XLSX) or text, and how dates read as text."""

    @property
    def language(self) -> str: ...

    @property
    def typed(self) -> bool: ...

    @property
    def agreed(self) -> str: ...

    def date_text(self, day: date) -> str: ...


class FieldType(ABC, Generic[FieldT]):
    """One question type: reading, checking, showing, exporting, counting and editing it.

    Subclasses set the class attributes and implement :meth:`clean`; every other method
    has the behaviour of a one-line text answer, which a type overrides where it differs.
    """

    #: The schema's discriminator value (``type:`` in YAML).
    name: ClassVar[str]
    #: The pydantic model of the question in :mod:`madoguchi.forms.schema`.
    model: ClassVar[type[BaseField]]
    #: The type's name in the builder's type list (English msgid, Japanese in django.po).
    display_name: ClassVar[str | Promise]
    #: The template that draws the answer control, inside forms/fields/field.html.
    template_name: ClassVar[str]
    #: The type-specific properties of the builder's field editor.
    editor_props: ClassVar[tuple[EditorProp, ...]] = ()
    #: False for text between questions: no answer, no hint, nothing to require.
    collects_input: ClassVar[bool] = True
    #: Whether a question of this type may be filled from the My Number Card.
    takes_prefill: ClassVar[bool] = True
    #: Answers are names or readings of a person: the staff search indexes them as names.
    searched_as_name: ClassVar[bool] = False
    #: A locked (card-filled) answer reads as text: disabled radios and selects are
    #: greyed out and unreadable.
    locked_as_text: ClassVar[bool] = False

    # -- reading and checking -------------------------------------------------------

    def raw_from_post(self, form_field: FieldT, data: Mapping[str, Any]) -> Any:
        """This question's raw value from a (Query)dict posted by the HTML form."""
        return data.get(form_field.key, "")

    def missing_message(self, form_field: FieldT) -> str:
        """What a required question says when it has no answer."""
        return _("Enter “%(label)s”.") % {"label": label_of(form_field)}

    @abstractmethod
    def clean(self, form_field: FieldT, value: Any) -> Any:
        """The stored form of a non-empty answer; raises :class:`FieldInvalid`."""

    def card_answer(self, form_field: FieldT, value: str) -> Any:
        """The answer a verified card's item (name, address, birth date, sex) gives this
        question, or None when the question cannot take it (the resident answers then)."""
        return value

    # -- showing ----------------------------------------------------------------------

    def display(self, form_field: FieldT, value: Any, *, language: str) -> str:
        """How a (non-empty) answer reads on the review page, the receipt, the staff screen."""
        return str(value)

    def input_purpose(self, form_field: FieldT) -> str:
        """The ``autocomplete`` token (WCAG 1.3.5), or ``""`` when it has none."""
        return ""

    def widget(
        self, form_field: FieldT, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        """What the template needs beyond the common parts of a question.

        ``locked_keys`` are the questions of the page that the card filled and locked.
        """
        return Widget()

    def filled_on_page(
        self, form_field: FieldT, values: Mapping[str, Any], *, locked_keys: frozenset[str]
    ) -> Any:
        """An answer this (unlocked) question takes from the others on its page before the
        resident types it, or None. ``values`` are the page's values, locked ones included."""
        return None

    # -- storing files ----------------------------------------------------------------

    def rewrite_upload(self, form_field: FieldT, upload: IO[bytes]) -> bytes | None:
        """The bytes to store instead of an uploaded file, or None to store it as it is.

        Called by the upload service once the file passed the checks every file question
        makes (size, virus scan, type read from its bytes). Raises :class:`FieldInvalid`
        for a file this question refuses; a photo is checked and re-encoded here.
        """
        return None

    # -- exporting and counting -------------------------------------------------------

    def export_renderer(self, form_field: FieldT, cells: ExportCells) -> CellRenderer:
        """A function from a stored answer (as the database hands it over) to one cell."""
        return str

    def tally_options(self, form_field: FieldT) -> list[str] | None:
        """The values the statistics page draws a bar for (labelled by :meth:`display`),
        or None when answers of this type are not counted."""
        return None

    def tally_values(self, form_field: FieldT, value: Any) -> list[str]:
        """The values one (non-empty) answer adds to the counts."""
        return [str(item) for item in (value if isinstance(value, list) else [value])]


AnyFieldType = FieldType[Any]
