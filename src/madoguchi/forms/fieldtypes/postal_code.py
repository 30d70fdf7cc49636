"""A postal code (〒123-4567) that Japan Post knows; it may fill an address question."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from madoguchi.jp import postal

from ..schema import PostalCodeField
from .base import EditorProp, FieldInvalid, FieldType, Widget, string_value
from .registry import register


@register
class PostalCode(FieldType[PostalCodeField]):
    name = "postal_code"
    model = PostalCodeField
    display_name = pgettext_lazy("field type", "Postal code")
    template_name = "forms/fields/postal_code.html"
    editor_props = (
        EditorProp("address_field", "ref", gettext_lazy("Question that “Find address” fills")),
    )

    def clean(self, form_field: PostalCodeField, value: Any) -> str:
        """Seven digits that Japan Post knows; unknown codes are typing mistakes.

        When the Japan Post data cannot be read, the code is taken as typed (well-formed):
        a missing data file must not stop residents from applying.
        """
        code = postal.normalize_postal_code(string_value(value))
        try:
            known = postal.lookup_address(code) is not None
        except postal.LookupUnavailable:
            known = True
        if not known:
            raise FieldInvalid(
                _(
                    "There is no postal code %(code)s. Check the number on your mail or on "
                    "Japan Post's website."
                )
                % {"code": postal.format_postal_code(code)}
            )
        return postal.format_postal_code(code)

    def input_purpose(self, form_field: PostalCodeField) -> str:
        return "postal-code"

    def widget(
        self, form_field: PostalCodeField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        return Widget(
            extra={
                "address_field": form_field.address_field or "",
                # No lookup where the card fixed the address: it would change nothing.
                "address_locked": form_field.address_field in locked_keys,
            }
        )

    def filled_on_page(
        self, form_field: PostalCodeField, values: Mapping[str, Any], *, locked_keys: frozenset[str]
    ) -> str | None:
        """The postal code of an address the card filled: the card gives no postal code.

        Filled (still editable) only where Japan Post's data gives exactly one code for the
        address; otherwise the resident types it.
        """
        if form_field.address_field not in locked_keys or values.get(form_field.key):
            return None
        address = values.get(form_field.address_field or "")
        if not isinstance(address, str) or not address:
            return None
        try:
            code = postal.postal_code_for(address)
        except postal.LookupUnavailable:
            code = None
        return postal.format_postal_code(code) if code else None
