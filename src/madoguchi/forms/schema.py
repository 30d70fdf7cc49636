"""The form definition: typed, versioned, stored as JSON, written by hand as YAML.

A schema is data, never code: staff edit it through the builder, cities exchange it
as a file, and every submission keeps a reference to the exact version it answered.
Conditions are JSON Logic expressions over answers, evaluated on the server (and in
the browser where JavaScript runs) so the same rule decides everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from madoguchi.jp import text as jp_text

SCHEMA_VERSION = 1
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"


def _text_shorthand(value: Any) -> Any:
    """Allow ``label: 氏名`` in YAML as shorthand for ``label: {ja: 氏名}``."""
    return {"ja": value} if isinstance(value, str) else value


class LocalizedText(BaseModel):
    """User-facing text: Japanese is required, English optional (falls back to Japanese)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: str = Field(min_length=1)
    en: str | None = None

    def get(self, language: str) -> str:
        if language.startswith("en") and self.en:
            return self.en
        return self.ja


Text = Annotated[LocalizedText, BeforeValidator(_text_shorthand)]
JsonLogic = dict[str, Any]

# The basic four items (基本4情報) plus reading, as verified identity providers deliver them.
PrefillSource = Literal["name", "name_kana", "address", "postal_code", "birth_date", "sex"]
IdentityRequirement = Literal["none", "account", "mynumber_auth", "mynumber_sign"]
Channel = Literal["online", "mail", "counter"]
FileType = Literal["application/pdf", "image/jpeg", "image/png"]


class BaseField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    label: Text
    help: Text | None = None
    required: bool = False
    required_if: JsonLogic | None = None
    visible_if: JsonLogic | None = None
    # Filled and locked from the verified identity (My Number Card); see identity app.
    prefill: PrefillSource | None = None

    @property
    def collects_input(self) -> bool:
        return True


class TextField(BaseField):
    type: Literal["text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int = Field(default=200, ge=1, le=2000)
    pattern: str | None = None
    pattern_message: Text | None = None
    autocomplete: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class LongTextField(BaseField):
    type: Literal["long_text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int = Field(default=2000, ge=1, le=20000)
    rows: int = Field(default=5, ge=2, le=20)


class NumberField(BaseField):
    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = True
    unit: Text | None = None
    # Thousands separators when shown (12,000円); off for numbers that are names, such as a
    # year (2025年度) or a lot number.
    grouping: bool = True


class ChoiceOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    label: Text


class ChoiceField(BaseField):
    type: Literal["choice"]
    widget: Literal["radio", "select", "checkbox"] = "radio"
    options: list[ChoiceOption] = Field(min_length=1)
    min_selected: int | None = Field(default=None, ge=0)
    max_selected: int | None = Field(default=None, ge=1)

    @property
    def multiple(self) -> bool:
        return self.widget == "checkbox"

    @field_validator("options")
    @classmethod
    def _unique_values(cls, options: list[ChoiceOption]) -> list[ChoiceOption]:
        values = [option.value for option in options]
        if len(values) != len(set(values)):
            raise ValueError("option values must be unique")
        return options


class DateField(BaseField):
    """A date entered in 和暦 or 西暦; stored as ISO 8601, shown in 和暦."""

    type: Literal["date"]
    # Relative bounds in days from today (e.g. -36500 .. 0 for a birth date) or absolute ISO dates.
    min_days_from_today: int | None = None
    max_days_from_today: int | None = None
    min_date: str | None = None
    max_date: str | None = None


class EmailField(BaseField):
    type: Literal["email"]
    # The applicant's address: the confirmation email goes here.
    confirmation: bool = False


class PhoneField(BaseField):
    type: Literal["phone"]


class PostalCodeField(BaseField):
    type: Literal["postal_code"]
    # Key of a text field that the looked-up address fills (prefecture, city, town).
    address_field: str | None = Field(default=None, pattern=KEY_PATTERN)


class KanaField(BaseField):
    type: Literal["kana"]
    script: Literal["katakana", "hiragana"] = "katakana"
    max_length: int = Field(default=100, ge=1, le=500)


class FileField(BaseField):
    type: Literal["file"]
    max_size_mb: float = Field(default=5, gt=0, le=10)
    accept: list[FileType] = Field(default_factory=lambda: list(get_args(FileType)), min_length=1)


# A photo is read and re-encoded with Pillow: JPEG or PNG only.
PhotoType = Literal["image/jpeg", "image/png"]
# The online card application's limit (J-LIS: 20 KB to 7 MB).
PHOTO_MAX_SIZE_MB = 7


class PhotoField(FileField):
    """A face photo for an ID (the My Number Card's 4.5 × 3.5 portrait), taken with the
    device's camera or uploaded. A file question with image checks: every place that takes
    files (drafts, corrections, the document, exports) treats it as one."""

    type: Literal["photo"]  # type: ignore[assignment]
    max_size_mb: float = Field(default=PHOTO_MAX_SIZE_MB, gt=0, le=PHOTO_MAX_SIZE_MB)
    accept: list[FileType] = Field(default_factory=lambda: list(get_args(PhotoType)), min_length=1)

    @field_validator("accept")
    @classmethod
    def _images_only(cls, value: list[FileType]) -> list[FileType]:
        if not set(value) <= set(get_args(PhotoType)):
            raise ValueError("a photo accepts image/jpeg and image/png only")
        return value


class ConsentField(BaseField):
    type: Literal["consent"]
    required: bool = True


class InfoField(BaseField):
    """Display-only text between questions (notes, instructions)."""

    type: Literal["info"]
    body: Text

    @property
    def collects_input(self) -> bool:
        return False


FormField = Annotated[
    TextField
    | LongTextField
    | NumberField
    | ChoiceField
    | DateField
    | EmailField
    | PhoneField
    | PostalCodeField
    | KanaField
    | FileField
    | PhotoField
    | ConsentField
    | InfoField,
    Field(discriminator="type"),
]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    title: Text
    description: Text | None = None
    visible_if: JsonLogic | None = None
    fields: list[FormField] = Field(min_length=1)


# Status changes the applicant can be emailed about (a form chooses which, see
# FormSchema.notify_statuses). "result_delivered" is a result document put up for download.
NotifyStatus = Literal["in_review", "approved", "rejected", "completed", "result_delivered"]
NOTIFY_STATUSES: tuple[NotifyStatus, ...] = (
    "in_review",
    "approved",
    "rejected",
    "completed",
    "result_delivered",
)
DEFAULT_NOTIFY_STATUSES: tuple[NotifyStatus, ...] = ("approved", "rejected", "result_delivered")
# Always emailed, whatever the form says: a return for correction carries the only link to
# the correction; a resubmission or a withdrawal confirms what the applicant just did.
ALWAYS_NOTIFIED = frozenset({"returned", "resubmitted", "withdrawn"})


# The mail block's limits (the builder's settings page checks the same ones): the
# enclosures are a checklist on one printed page, the description a short paragraph.
MAIL_ENCLOSURES_MAX = 20
MAIL_ENCLOSURE_MAX_CHARS = 100
MAIL_DESCRIPTION_MAX_CHARS = 1000


class MailSettings(BaseModel):
    """What a form offering the mail channel (郵送) prints and says about posting.

    Written in YAML or on the builder's settings page. At most ``MAIL_ENCLOSURES_MAX``
    enclosures of ``MAIL_ENCLOSURE_MAX_CHARS`` characters per language; a description of
    ``MAIL_DESCRIPTION_MAX_CHARS``.
    """

    model_config = ConfigDict(extra="forbid")

    # What to put in the envelope (originals, copies of ID, a return envelope): the
    # checklist printed on the paper and shown on the resident's page.
    enclosures: list[Text] = Field(default_factory=list, max_length=MAIL_ENCLOSURES_MAX)
    # The law wants a handwritten signature (自署): the paper has a box for it.
    handwritten_signature: bool = False
    # Why and when to choose post, under "By post" on the start page's choice.
    description: Text | None = None

    @model_validator(mode="after")
    def _texts_fit(self) -> MailSettings:
        def too_long(text: LocalizedText | None, limit: int) -> bool:
            return text is not None and max(len(text.ja), len(text.en or "")) > limit

        if any(too_long(e, MAIL_ENCLOSURE_MAX_CHARS) for e in self.enclosures):
            raise ValueError(f"an enclosure is longer than {MAIL_ENCLOSURE_MAX_CHARS} characters")
        if too_long(self.description, MAIL_DESCRIPTION_MAX_CHARS):
            raise ValueError(
                f"the mail description is longer than {MAIL_DESCRIPTION_MAX_CHARS} characters"
            )
        return self


# Fees (手数料): the largest amount one application may ask for, in yen. Card payment
# providers cap a single charge too; above this a city invoices (納付書) instead.
FEE_MAX_AMOUNT = 1_000_000
FEE_ITEMS_MAX = 20
# Japan's consumption tax (消費税) rates; prices are shown tax-inclusive (総額表示).
TaxRate = Literal[8, 10]
FeeTiming = Literal["on_submission", "after_review"]
PaymentMethod = Literal["card", "konbini", "paypay"]


class FeeItem(BaseModel):
    """One line of what an application costs.

    Modes, by which keys are set: ``unit_amount`` alone is a fixed fee; with
    ``quantity_field`` it is per quantity (300円 × 通数, the quantity being a number answer
    or the count of ticked options); ``amount`` (JSON Logic over the answers, in yen) computes
    the line outright. ``applies_if`` leaves the line out unless it holds. A public fee
    (手数料 under a city's fee ordinance) is not taxable; a taxable item (a sale, e.g. a
    garbage sticker) has ``tax_rate`` and its price includes the tax.
    """

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    label: Text
    unit_amount: int = Field(default=0, ge=0, le=FEE_MAX_AMOUNT)
    quantity_field: str | None = Field(default=None, pattern=KEY_PATTERN)
    amount: JsonLogic | None = None
    applies_if: JsonLogic | None = None
    taxable: bool = False
    tax_rate: TaxRate = 10


class FeeSettings(BaseModel):
    """What a form charges and when: at submission (the application is accepted once paid)
    or after review (事後決済: staff confirm the amount when they approve)."""

    model_config = ConfigDict(extra="forbid")

    timing: FeeTiming = "on_submission"
    items: list[FeeItem] = Field(default_factory=list, max_length=FEE_ITEMS_MAX)
    methods: list[PaymentMethod] = Field(
        default_factory=lambda: list[PaymentMethod](["card"]), min_length=1
    )
    # Shown with the amount: how the fee is set, e.g. 「品目を確認してから金額をお知らせします」.
    description: Text | None = None

    @field_validator("items")
    @classmethod
    def _unique_keys(cls, items: list[FeeItem]) -> list[FeeItem]:
        keys = [item.key for item in items]
        if len(keys) != len(set(keys)):
            raise ValueError("fee item keys must be unique")
        return items

    @model_validator(mode="after")
    def _chargeable(self) -> FeeSettings:
        if self.timing == "on_submission" and not self.items:
            raise ValueError("a fee paid at submission needs at least one item")
        return self


class FormSchema(BaseModel):
    """One version of a form. Immutable once published."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    title: Text
    description: Text | None = None
    identity: IdentityRequirement = "none"
    channels: list[Channel] = Field(default_factory=lambda: list[Channel](["online"]), min_length=1)
    # Only read when ``channels`` offers "mail".
    mail: MailSettings | None = None
    # What the application costs and when it is paid (madoguchi.forms.fees); none: free.
    fees: FeeSettings | None = None
    # Shown on the confirmation page and in the confirmation email.
    confirmation_message: Text | None = None
    # Field whose value names the applicant in the staff inbox (never logged).
    applicant_name_field: str | None = Field(default=None, pattern=KEY_PATTERN)
    # Whether staff review each submission (received → in review → approved/rejected →
    # completed). Without review a submission goes from received straight to completed,
    # e.g. a survey or a notification that needs no decision.
    review: bool = True
    # Which status changes are emailed to the applicant: the ones they should hear about
    # (a decision, a result to download), not the clerk's working steps (審査中). A return
    # for correction, a resubmission and a withdrawal are always emailed (ALWAYS_NOTIFIED).
    notify_statuses: list[NotifyStatus] = Field(
        default_factory=lambda: list(DEFAULT_NOTIFY_STATUSES)
    )
    steps: list[Step] = Field(min_length=1)

    def notifies(self, status: str, *, result_delivered: bool = False) -> bool:
        """Whether the applicant is emailed when their submission moves to ``status``."""
        if result_delivered:
            return "result_delivered" in self.notify_statuses
        return status in ALWAYS_NOTIFIED or status in self.notify_statuses

    def fields(self) -> Iterator[FormField]:
        for step in self.steps:
            yield from step.fields

    def field(self, key: str) -> FormField:
        for field in self.fields():
            if field.key == key:
                return field
        raise KeyError(key)

    def step_of(self, key: str) -> int:
        for index, step in enumerate(self.steps):
            if any(field.key == key for field in step.fields):
                return index
        raise KeyError(key)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        # Labels, help and options are shown, printed and exported: no control characters.
        jp_text.check_value(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> FormSchema:
        problems = schema_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


# The JSON Logic operators a form's rules may use. Not "method": it calls any Python method
# on a value, and from a string's attributes one reaches every class in the process (code
# execution from a form definition file a city received); not "log": it writes answers to
# the log.
ALLOWED_OPERATORS = frozenset(
    {
        "var", "missing", "missing_some", "if", "?:", "==", "===", "!=", "!==", "!", "!!",
        "or", "and", ">", ">=", "<", "<=", "max", "min", "+", "-", "*", "/", "%", "in",
        "cat", "substr", "merge", "count", "all", "none", "some", "map", "filter", "reduce",
    }
)  # fmt: skip


def refused_operators(logic: Any) -> set[str]:
    """The operators of a JSON Logic expression that forms may not use."""
    found: set[str] = set()
    if isinstance(logic, dict):
        for operator, argument in logic.items():
            if operator not in ALLOWED_OPERATORS:
                found.add(str(operator))
            found |= refused_operators(argument)
    elif isinstance(logic, list):
        for item in logic:
            found |= refused_operators(item)
    return found


def condition_variables(logic: Any) -> set[str]:
    """Every answer key a JSON Logic expression reads (``{"var": "key"}``)."""
    found: set[str] = set()
    if isinstance(logic, dict):
        for operator, argument in logic.items():
            if operator == "var":
                name = argument[0] if isinstance(argument, list) and argument else argument
                if isinstance(name, str) and name:
                    found.add(name.split(".")[0])
            else:
                found |= condition_variables(argument)
    elif isinstance(logic, list):
        for item in logic:
            found |= condition_variables(item)
    return found


def schema_problems(schema: FormSchema) -> list[str]:
    """Structural mistakes that make a form unusable; each says what to fix."""
    problems: list[str] = []
    keys: dict[str, str] = {}
    step_keys: set[str] = set()
    for step in schema.steps:
        if step.key in step_keys:
            problems.append(f"duplicate step key '{step.key}'")
        step_keys.add(step.key)
        for field in step.fields:
            if field.key in keys:
                problems.append(
                    f"duplicate field key '{field.key}' "
                    f"(steps '{keys[field.key]}' and '{step.key}')"
                )
            keys[field.key] = step.key

    def check_logic(owner: str, logic: JsonLogic | None) -> None:
        for operator in sorted(refused_operators(logic)):
            problems.append(f"{owner} uses the operator '{operator}', which forms may not use")
        for name in sorted(condition_variables(logic)):
            if name not in keys:
                problems.append(f"{owner} refers to unknown field '{name}'")

    for step in schema.steps:
        check_logic(f"step '{step.key}' visible_if", step.visible_if)
        for field in step.fields:
            check_logic(f"field '{field.key}' visible_if", field.visible_if)
            check_logic(f"field '{field.key}' required_if", field.required_if)
            if isinstance(field, PostalCodeField) and field.address_field:
                target = keys.get(field.address_field)
                if target is None:
                    problems.append(
                        f"field '{field.key}' fills unknown address field '{field.address_field}'"
                    )
    if schema.fees is not None:
        for item in schema.fees.items:
            check_logic(f"fee '{item.key}' amount", item.amount)
            check_logic(f"fee '{item.key}' applies_if", item.applies_if)
            if item.quantity_field is None:
                continue
            if item.quantity_field not in keys:
                problems.append(f"fee '{item.key}' counts unknown field '{item.quantity_field}'")
                continue
            counted = schema.field(item.quantity_field)
            if not isinstance(counted, NumberField | ChoiceField):
                problems.append(
                    f"fee '{item.key}' counts field '{item.quantity_field}', "
                    "which is neither a number nor a choice"
                )
    if schema.applicant_name_field and schema.applicant_name_field not in keys:
        problems.append(
            f"applicant_name_field refers to unknown field '{schema.applicant_name_field}'"
        )
    return problems
