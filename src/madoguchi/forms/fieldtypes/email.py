"""An email address; the one marked ``confirmation`` receives the confirmation email."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from madoguchi.jp import kana

from ..schema import EmailField
from .base import EditorProp, FieldInvalid, FieldType, string_value
from .registry import register


@register
class Email(FieldType[EmailField]):
    name = "email"
    model = EmailField
    display_name = pgettext_lazy("field type", "Email address")
    template_name = "forms/fields/email.html"
    editor_props = (
        EditorProp(
            "confirmation", "bool", gettext_lazy("Send the confirmation email to this address")
        ),
    )

    def clean(self, form_field: EmailField, value: Any) -> str:
        text = kana.normalize_width(string_value(value)).strip()
        try:
            validate_email(text)
        except ValidationError as error:
            raise FieldInvalid(_("Enter an email address such as taro@example.jp.")) from error
        return text

    def input_purpose(self, form_field: EmailField) -> str:
        return "email"
