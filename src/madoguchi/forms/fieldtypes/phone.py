"""A Japanese phone number, stored with hyphens where the numbering plan puts them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

from madoguchi.jp import phone

from ..schema import PhoneField
from .base import FieldType, string_value
from .registry import register


@register
class Phone(FieldType[PhoneField]):
    name = "phone"
    model = PhoneField
    display_name = pgettext_lazy("field type", "Phone number")
    template_name = "forms/fields/phone.html"

    def clean(self, form_field: PhoneField, value: Any) -> str:
        # jp.phone raises InvalidJapaneseInput with its own message; the caller converts it.
        return phone.normalize_phone(string_value(value))

    def input_purpose(self, form_field: PhoneField) -> str:
        return "tel"
