"""What staff post on the builder's library pages, checked by Django forms.

The forms check what was sent (a name, a department the staff member may edit in, a
template that exists, a file); whether the URL name is free and the definition valid is
the builder services' decision, and their refusal is added to the field it names. A form
shown again keeps what was typed. The field editor's per-type properties are parsed by
``fields.field_from_post`` (each type's own inputs), not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Department

from ..models import Form
from ..schema import MAIL_DESCRIPTION_MAX_CHARS, MAIL_ENCLOSURE_MAX_CHARS, MAIL_ENCLOSURES_MAX

# The largest form definition a file may hold (a definition is a few kilobytes).
IMPORT_MAX_BYTES = 1_000_000


class _DepartmentForm(forms.Form):
    """A department the staff member may create forms in (``departments``)."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        label=_("Department"),
        empty_label=None,
        error_messages={
            "required": _("Choose the department that owns the form."),
            "invalid_choice": _("Choose the department that owns the form."),
        },
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def entered(self) -> dict[str, str]:
        """What was typed, as the page shows it again (stripped, as it was read)."""
        return {name: str(self.data.get(name, "")).strip() for name in self.fields}


class NewFormForm(_DepartmentForm):
    """A new form's names and owner; the URL name is checked by the services."""

    title_ja = forms.CharField(
        label=_("Name of the procedure (Japanese)"),
        error_messages={"required": _("Enter the name of the procedure in Japanese.")},
    )
    title_en = forms.CharField(label=_("Name of the procedure (English, optional)"), required=False)
    slug = forms.CharField(label=_("URL name"), required=False)

    field_order = ["title_ja", "title_en", "slug", "department"]


class CopyTemplateForm(_DepartmentForm):
    """Which template to copy, under which URL name, for which department."""

    template = forms.ModelChoiceField(
        queryset=Form.objects.none(),
        label=_("Template"),
        error_messages={
            "required": _("Choose a template."),
            "invalid_choice": _("Choose a template."),
        },
    )
    slug = forms.CharField(label=_("URL name of your copy"), required=False)

    field_order = ["template", "slug", "department"]

    def __init__(
        self,
        *args: Any,
        templates: QuerySet[Form],
        departments: QuerySet[Department],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, departments=departments, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


class ImportForm(_DepartmentForm):
    """A form file exported by another city, its URL name here and its department."""

    file = forms.FileField(
        label=_("Form file"),
        error_messages={"required": _("Choose the form file to import.")},
    )
    slug = forms.CharField(
        label=_("URL name (leave empty to use the one in the file)"), required=False
    )

    field_order = ["file", "slug", "department"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large for a form definition (1 MB at most).")
            )
        return upload


class StepForm(forms.Form):
    """A page's title and the text at its top, in Japanese and (optionally) English."""

    title_ja = forms.CharField(
        label=_("Page title (Japanese)"),
        error_messages={"required": _("Enter the page title in Japanese.")},
    )
    title_en = forms.CharField(label=_("Page title (English, optional)"), required=False)
    description_ja = forms.CharField(
        label=_("Text at the top of the page (optional)"), required=False
    )
    description_en = forms.CharField(label=_("The same in English (optional)"), required=False)

    def entered(self) -> dict[str, str]:
        """What was typed, as the page shows it again (stripped, as it was read)."""
        return {name: str(self.data.get(name, "")).strip() for name in self.fields}

    def properties(self) -> dict[str, dict[str, str] | None]:
        """The step's title and description as the definition stores them."""

        def localized(prefix: str) -> dict[str, str] | None:
            ja, en = self.cleaned_data[f"{prefix}_ja"], self.cleaned_data[f"{prefix}_en"]
            return ({"ja": ja} | ({"en": en} if en else {})) if ja else None

        return {"title": localized("title"), "description": localized("description")}


class RepublishForm(forms.Form):
    """Which earlier version to publish again (the versions page's buttons send its number)."""

    number = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [(n, n) for n in numbers]  # type: ignore[attr-defined]


class StructureActionForm(forms.Form):
    """One change of the questions page (its buttons, and the script's drag and drop)."""

    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "add_step",
                "step_up",
                "step_down",
                "remove_step",
                "add_field",
                "field_up",
                "field_down",
                "move_field",
                "remove_field",
            )
        ],
        error_messages={"invalid_choice": _("That is not a change the builder knows.")},
    )
    key = forms.CharField(required=False)
    title_ja = forms.CharField(required=False)
    label_ja = forms.CharField(required=False)
    # Checked by the edit itself (edits.add_field names an unknown type).
    field_type = forms.CharField(required=False)
    step = forms.CharField(required=False)
    position = forms.IntegerField(
        required=False, error_messages={"invalid": _("The position must be a number.")}
    )


class RuleForm(forms.Form):
    """One change of a condition in the rule editor: add a rule, remove one, clear all."""

    rule_action = forms.ChoiceField(
        required=False, choices=[("", ""), ("add", "add"), ("remove", "remove"), ("clear", "clear")]
    )
    index = forms.IntegerField(required=False)
    rule_field = forms.CharField(required=False)
    op = forms.CharField(required=False)
    value = forms.CharField(required=False, strip=False)
    match = forms.ChoiceField(required=False, choices=[("", ""), ("all", "all"), ("any", "any")])

    def __init__(self, *args: Any, operators: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operators = operators

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("rule_action") == "add" and cleaned.get("op") not in self.operators:
            raise forms.ValidationError(_("Choose how to compare."))
        return cleaned


class TemplateMarkForm(forms.Form):
    """Whether a published form is offered to other cities as a template (a checkbox)."""

    is_template = forms.BooleanField(required=False)


class _KnownChoices(forms.MultipleChoiceField):
    """The ticked values the page offers, in the order offered; others are dropped (only a
    hand-made request sends one), and none left is the field's "required" problem."""

    def to_python(self, value: Any) -> list[str]:
        sent = set(super().to_python(value))
        offered: list[tuple[Any, Any]] = list(self.choices)  # type: ignore[arg-type]
        return [str(v) for v, _label in offered if str(v) in sent]


def _aware(raw: str) -> datetime | None:
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class SettingsForm(_DepartmentForm):
    """The form's settings page: texts, identity, channels, review, emails, dates, limit.

    Every problem is found at once; the page shows each beside its input. A text in English
    needs its Japanese (Japanese is the first language); a signature needs the My Number
    Card's identity verification.
    """

    title_ja = forms.CharField(
        required=True,
        error_messages={"required": _("Enter the name of the procedure in Japanese.")},
    )
    title_en = forms.CharField(required=False)
    description_ja = forms.CharField(required=False)
    description_en = forms.CharField(required=False)
    confirmation_message_ja = forms.CharField(required=False)
    confirmation_message_en = forms.CharField(required=False)
    identity = forms.ChoiceField(
        error_messages={
            "required": _("Choose how applicants prove who they are."),
            "invalid_choice": _("Choose how applicants prove who they are."),
        },
    )
    signature = forms.BooleanField(required=False)
    channels = _KnownChoices(error_messages={"required": _("Choose at least one channel.")})
    notify_statuses = _KnownChoices(required=False)
    review = forms.BooleanField(required=False)
    applicant_name_field = forms.CharField(required=False)
    confirmation_email_field = forms.CharField(required=False)
    category_ja = forms.CharField(required=False)
    category_en = forms.CharField(required=False)
    opens_at = forms.CharField(required=False)
    closes_at = forms.CharField(required=False)
    max_submissions = forms.CharField(required=False)
    # The mail block (only read when the page showed it: ``mail_settings``).
    mail_settings = forms.BooleanField(required=False)
    mail_enclosures = forms.CharField(required=False, strip=False)
    mail_handwritten_signature = forms.BooleanField(required=False)
    mail_description_ja = forms.CharField(required=False)
    mail_description_en = forms.CharField(required=False)

    # The page's order, so that the error summary lists the problems as the page shows them.
    field_order = [
        "title_ja",
        "title_en",
        "description_ja",
        "description_en",
        "confirmation_message_ja",
        "confirmation_message_en",
        "confirmation_email_field",
        "applicant_name_field",
        "identity",
        "signature",
        "review",
        "channels",
        "mail_enclosures",
        "mail_handwritten_signature",
        "mail_description_ja",
        "mail_description_en",
        "notify_statuses",
        "department",
        "category_ja",
        "category_en",
        "opens_at",
        "closes_at",
        "max_submissions",
    ]

    def __init__(
        self,
        *args: Any,
        identities: list[tuple[str, Any]],
        channels: list[tuple[str, Any]],
        notify: list[tuple[str, Any]],
        departments: QuerySet[Department],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, departments=departments, **kwargs)
        self.fields["department"].error_messages = {
            "required": _("Choose one of your departments."),
            "invalid_choice": _("Choose one of your departments."),
        }
        self.fields["identity"].choices = identities  # type: ignore[attr-defined]
        # Unknown channels and statuses are dropped, as the page only ever sends its own.
        self.fields["channels"].choices = channels  # type: ignore[attr-defined]
        self.fields["notify_statuses"].choices = notify  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("signature") and cleaned.get("identity") != "mynumber_auth":
            self.add_error(
                "signature",
                _(
                    "A signature needs identity verification with the My Number Card: "
                    "choose “My Number Card” above, or untick the signature."
                ),
            )
        for prefix in ("title", "description", "confirmation_message"):
            missing = cleaned.get(f"{prefix}_en") and not cleaned.get(f"{prefix}_ja")
            if missing and f"{prefix}_ja" not in self.errors:
                self.add_error(f"{prefix}_ja", _("Enter the Japanese text too."))
        try:
            cleaned["opens_at"] = _aware(cleaned.get("opens_at", ""))
            cleaned["closes_at"] = _aware(cleaned.get("closes_at", ""))
        except ValueError:
            self.add_error("opens_at", _("Enter dates such as 2026-04-01 09:00."))
        limit = cleaned.get("max_submissions", "")
        if limit and not limit.isdigit():
            self.add_error(
                "max_submissions", _("Enter a whole number such as 100, or leave it empty.")
            )
        else:
            cleaned["max_submissions"] = int(limit) if limit else None
        if cleaned.get("category_en") and not cleaned.get("category_ja"):
            self.add_error("category_ja", _("Enter the Japanese name of the category too."))
        self._clean_mail(cleaned)
        return cleaned

    def _clean_mail(self, cleaned: dict[str, Any]) -> None:
        """``cleaned["mail"]``: the schema's mail block, None for none, or absent to keep the
        stored one (the page did not show it, or the form does not offer post)."""
        if not cleaned.get("mail_settings") or "mail" not in (cleaned.get("channels") or []):
            return
        enclosures, problems = parse_enclosures(cleaned.get("mail_enclosures", ""))
        if problems:
            self.add_error("mail_enclosures", " ".join(problems))
        description_ja = cleaned.get("mail_description_ja", "")
        description_en = cleaned.get("mail_description_en", "")
        if description_en and not description_ja:
            self.add_error("mail_description_ja", _("Enter the Japanese text too."))
        for name, value in (
            ("mail_description_ja", description_ja),
            ("mail_description_en", description_en),
        ):
            if len(value) > MAIL_DESCRIPTION_MAX_CHARS and name not in self.errors:
                self.add_error(
                    name,
                    _("Shorten the explanation to %(limit)s characters.")
                    % {"limit": MAIL_DESCRIPTION_MAX_CHARS},
                )
        signature = bool(cleaned.get("mail_handwritten_signature"))
        description = (
            {"ja": description_ja} | ({"en": description_en} if description_en else {})
            if description_ja
            else None
        )
        mail: dict[str, Any] = {}
        if enclosures:
            mail["enclosures"] = enclosures
        if signature:
            mail["handwritten_signature"] = True
        if description:
            mail["description"] = description
        cleaned["mail"] = mail or None


def parse_enclosures(lines: str) -> tuple[list[dict[str, str]], list[str]]:
    """Enclosures from text, one per line: ``日本語`` or ``日本語 | English`` (as option lines).

    Empty lines are skipped; at most ``MAIL_ENCLOSURES_MAX`` of at most
    ``MAIL_ENCLOSURE_MAX_CHARS`` characters per language (the schema's limits).
    """
    enclosures: list[dict[str, str]] = []
    problems: list[str] = []
    for number, raw in enumerate(lines.splitlines(), start=1):
        ja, _bar, en = (part.strip() for part in raw.partition("|"))
        if not ja and not en:
            continue
        if not ja:
            problems.append(
                str(_("Line %(number)s: the Japanese text is empty.") % {"number": number})
            )
            continue
        if max(len(ja), len(en)) > MAIL_ENCLOSURE_MAX_CHARS:
            problems.append(
                str(
                    _("Line %(number)s: shorten it to %(limit)s characters.")
                    % {"number": number, "limit": MAIL_ENCLOSURE_MAX_CHARS}
                )
            )
            continue
        enclosures.append({"ja": ja} | ({"en": en} if en else {}))
    if len(enclosures) > MAIL_ENCLOSURES_MAX:
        problems.append(
            str(
                _("List at most %(limit)s enclosures (there are %(count)s).")
                % {"limit": MAIL_ENCLOSURES_MAX, "count": len(enclosures)}
            )
        )
    return enclosures, problems
