"""The form settings: texts, identity, review, channels (and posting), dates and limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core.forms import field_errors
from madoguchi.core.refusal_views import flash, message_of
from madoguchi.core.staff import staff_required

from ... import selectors as form_selectors
from ...models import Form
from ...schema import DEFAULT_NOTIFY_STATUSES, MAIL_ENCLOSURES_MAX
from .. import edits, fee_settings, services
from ..forms import SettingsForm, TemplateMarkForm
from ..selectors import editable_departments
from .common import (
    base_context,
    current_language,
    departments_for,
    draft_for,
    form_or_404,
    require_editable,
    staff_of,
)

# --- settings ---------------------------------------------------------------------------------

# One language per label (the page's), never 「日本語 / English」 side by side.
IDENTITY_CHOICES = [
    ("none", gettext_lazy("No verification (self-declared)")),
    ("account", gettext_lazy("Signed-in account")),
    ("mynumber_auth", gettext_lazy("Identity verified with the My Number Card")),
]
CHANNEL_CHOICES = [
    ("online", gettext_lazy("Online application")),
    ("mail", gettext_lazy("Print and post (help to fill the paper form)")),
    ("counter", gettext_lazy("Pre-register online, then come to the counter")),
]

# Which status changes email the applicant (FormSchema.notify_statuses); a return for
# correction, a resubmission and a withdrawal always do.
NOTIFY_CHOICES = [
    ("in_review", gettext_lazy("Staff started reviewing it (審査中)")),
    ("approved", gettext_lazy("Approved")),
    ("rejected", gettext_lazy("Rejected")),
    ("completed", gettext_lazy("Completed")),
    ("result_delivered", gettext_lazy("A result document is ready to download")),
]


def _local_input(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _settings_values(form: Form, definition: dict[str, Any]) -> dict[str, Any]:
    def part(name: str, language: str) -> str:
        value = definition.get(name)
        return (
            value.get(language, "")
            if isinstance(value, dict)
            else (value if language == "ja" else "")
        ) or ""

    email_target = next(
        (
            f["key"]
            for f in edits.all_fields(definition)
            if f.get("type") == "email" and f.get("confirmation")
        ),
        "",
    )
    identity = definition.get("identity", "none")
    return {
        "title_ja": part("title", "ja"),
        "title_en": part("title", "en"),
        "description_ja": part("description", "ja"),
        "description_en": part("description", "en"),
        "confirmation_message_ja": part("confirmation_message", "ja"),
        "confirmation_message_en": part("confirmation_message", "en"),
        "identity": "mynumber_auth" if identity == "mynumber_sign" else identity,
        "signature": identity == "mynumber_sign",
        "channels": definition.get("channels") or ["online"],
        "applicant_name_field": definition.get("applicant_name_field", ""),
        "confirmation_email_field": email_target,
        "review": definition.get("review", True),
        "notify_statuses": definition.get("notify_statuses", list(DEFAULT_NOTIFY_STATUSES)),
        "department": str(form.department_id),
        "category_ja": str((form.category or {}).get("ja", "")),
        "category_en": str((form.category or {}).get("en", "")),
        "opens_at": _local_input(form.opens_at),
        "closes_at": _local_input(form.closes_at),
        "max_submissions": str(form.max_submissions or ""),
    } | _block_values(definition)


def _block_values(definition: dict[str, Any]) -> dict[str, Any]:
    """The mail and fee blocks as the page's inputs."""
    return _mail_values(definition) | fee_settings.fee_values(definition)


def _mail_values(definition: dict[str, Any]) -> dict[str, Any]:
    """The stored mail block as the page's inputs: enclosures one per line, 「日本語 | English」."""
    mail = definition.get("mail") or {}
    description = mail.get("description")
    return {
        "mail_enclosures": "\n".join(_enclosure_line(e) for e in mail.get("enclosures") or []),
        "mail_handwritten_signature": bool(mail.get("handwritten_signature")),
        "mail_description_ja": _text_part(description, "ja"),
        "mail_description_en": _text_part(description, "en"),
    }


def _text_part(value: Any, language: str) -> str:
    """One language of a schema text (``{"ja": ..., "en": ...}`` or the ``"..."`` shorthand)."""
    if isinstance(value, dict):
        return str(value.get(language) or "")
    return str(value) if value and language == "ja" else ""


def _enclosure_line(enclosure: Any) -> str:
    ja, en = _text_part(enclosure, "ja"), _text_part(enclosure, "en")
    return f"{ja} | {en}" if en else ja


def _settings_from_post(
    definition: dict[str, Any], posted: SettingsForm
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(new definition, what was entered as the page shows it, problems per input).

    ``posted`` is checked first (every problem at once); the definition it gives is saved
    only when there is none.
    """
    posted.is_valid()
    data = cast(QueryDict, posted.data)
    entered: dict[str, Any] = {k: str(data.get(k, "")).strip() for k in _settings_values_keys()}
    entered["signature"] = bool(posted.cleaned_data.get("signature"))
    entered["review"] = bool(posted.cleaned_data.get("review"))
    entered["channels"] = posted.fields["channels"].to_python(data.getlist("channels"))
    entered["notify_statuses"] = posted.fields["notify_statuses"].to_python(
        data.getlist("notify_statuses")
    )
    if posted.cleaned_data.get("mail_settings"):
        entered["mail_enclosures"] = str(data.get("mail_enclosures", ""))
        entered["mail_handwritten_signature"] = bool(
            posted.cleaned_data.get("mail_handwritten_signature")
        )
    else:  # the page did not show the mail block: shown again as stored
        entered |= _mail_values(definition)
    errors = field_errors(posted)
    fees: dict[str, Any] | None = None
    if data.get("fee_settings"):  # else the page did not show the fees: the stored block stays
        fees, fee_entered, fee_errors = fee_settings.fees_from_post(data, definition)
        entered |= fee_entered
        errors = _in_page_order(errors, fee_errors)
    else:
        entered |= fee_settings.fee_values(definition)

    def localized(prefix: str) -> dict[str, str] | None:
        ja, en = entered[f"{prefix}_ja"], entered[f"{prefix}_en"]
        return ({"ja": ja} | ({"en": en} if en else {})) if ja else None

    properties = {
        "title": localized("title"),
        "description": localized("description"),
        "confirmation_message": localized("confirmation_message"),
        "identity": "mynumber_sign" if entered["signature"] else entered["identity"],
        "channels": entered["channels"],
        "applicant_name_field": entered["applicant_name_field"] or None,
        "review": entered["review"],
        "notify_statuses": entered["notify_statuses"],
    }
    if "mail" in posted.cleaned_data:  # else the stored block stays as it is
        properties["mail"] = posted.cleaned_data["mail"]
    if data.get("fee_settings"):
        properties["fees"] = fees
    new = edits.set_form_properties(definition, properties)
    for field in edits.all_fields(new):
        if field.get("type") == "email":
            if field.get("key") == entered["confirmation_email_field"]:
                field["confirmation"] = True
            else:
                field.pop("confirmation", None)
    return new, entered, errors


def _in_page_order(errors: dict[str, str], fee_errors: dict[str, str]) -> dict[str, str]:
    """The settings' and the fees' problems as the page shows them: the fees section comes
    before the owner and acceptance inputs."""
    later = ("department", "category_ja", "category_en", "opens_at", "closes_at")
    first = {k: v for k, v in errors.items() if k not in later and k != "max_submissions"}
    rest = {k: v for k, v in errors.items() if k not in first}
    return first | fee_errors | rest


def _settings_values_keys() -> list[str]:
    return [
        "title_ja",
        "title_en",
        "description_ja",
        "description_en",
        "confirmation_message_ja",
        "confirmation_message_en",
        "identity",
        "applicant_name_field",
        "confirmation_email_field",
        "department",
        "category_ja",
        "category_en",
        "opens_at",
        "closes_at",
        "max_submissions",
        "mail_description_ja",
        "mail_description_en",
    ]


@staff_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    draft = draft_for(request, form)
    staff = staff_of(request)
    values = _settings_values(form, draft.definition)
    errors: dict[str, str] = {}
    if request.method == "POST":
        require_editable(request, form)
        posted = SettingsForm(
            request.POST,
            identities=IDENTITY_CHOICES,
            channels=CHANNEL_CHOICES,
            notify=NOTIFY_CHOICES,
            departments=editable_departments(staff),
        )
        definition, values, errors = _settings_from_post(draft.definition, posted)
        if not errors:
            checked = posted.cleaned_data
            category = {"ja": checked["category_ja"][:50]} if checked["category_ja"] else {}
            if checked["category_en"]:
                category["en"] = checked["category_en"][:50]
            try:
                services.update_settings(
                    form=form,
                    staff=staff,
                    department=checked["department"],
                    opens_at=checked["opens_at"],
                    closes_at=checked["closes_at"],
                    max_submissions=checked["max_submissions"],
                    category=category,
                )
            except services.BuilderRefused as refused:
                errors["closes_at"] = message_of(refused)
        if not errors:
            services.save_draft(draft=draft, definition=definition, staff=staff, change="form.edit")
            messages.success(request, _("The settings were saved."))
            return redirect("forms:edit", form_id=form.pk)
    language = current_language()
    return render(
        request,
        "forms/builder/settings.html",
        base_context(
            request,
            form,
            values=values,
            field_errors=errors,
            identity_choices=IDENTITY_CHOICES,
            channel_choices=CHANNEL_CHOICES,
            notify_choices=NOTIFY_CHOICES,
            mail_enclosures_max=MAIL_ENCLOSURES_MAX,
            fee_timing_choices=fee_settings.TIMING_CHOICES,
            fee_method_choices=fee_settings.METHOD_CHOICES,
            fee_quantity_fields=fee_settings.quantity_fields(draft.definition, language),
            fee_quantity_keys=[
                key for key, _label in fee_settings.quantity_fields(draft.definition, language)
            ],
            departments=departments_for(staff),
            # Offered for the Japanese name, whatever the page's language.
            categories=form_selectors.category_names(form.municipality_id, language="ja"),
            name_fields=[
                (f.get("key"), edits.text(f.get("label"), language))
                for f in edits.all_fields(draft.definition)
                if f.get("type") in ("text", "kana")
            ],
            email_fields=[
                (f.get("key"), edits.text(f.get("label"), language))
                for f in edits.all_fields(draft.definition)
                if f.get("type") == "email"
            ],
        ),
        status=422 if errors else 200,
    )


@staff_required
@require_POST
def mark_template(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    posted = TemplateMarkForm(request.POST)
    posted.is_valid()  # a checkbox: anything but "on" (or absent) reads as unticked
    try:
        services.set_template(
            form=form, staff=staff_of(request), is_template=posted.cleaned_data["is_template"]
        )
    except services.BuilderRefused as refused:
        flash(request, refused)
    else:
        messages.success(request, _("Saved."))
    return redirect("forms:edit", form_id=form.pk)
