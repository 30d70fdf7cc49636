"""A declaration the resident agrees to by checking one box (required unless said not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ..schema import ConsentField
from .base import CellRenderer, ExportCells, FieldInvalid, FieldType, label_of
from .registry import register


@register
class Consent(FieldType[ConsentField]):
    name = "consent"
    model = ConsentField
    display_name = pgettext_lazy("field type", "Consent")
    template_name = "forms/fields/consent.html"
    takes_prefill = False

    def raw_from_post(self, form_field: ConsentField, data: Mapping[str, Any]) -> Any:
        return data.get(form_field.key) in ("on", "true", "1", True)

    def missing_message(self, form_field: ConsentField) -> str:
        return _("Check “%(label)s” to continue.") % {"label": label_of(form_field)}

    def clean(self, form_field: ConsentField, value: Any) -> bool:
        if value is not True:
            raise FieldInvalid(self.missing_message(form_field))
        return True

    def display(self, form_field: ConsentField, value: Any, *, language: str) -> str:
        return _("Agreed") if value else ""

    def export_renderer(self, form_field: ConsentField, cells: ExportCells) -> CellRenderer:
        agreed = cells.agreed
        # JSON true arrives as "true" (PostgreSQL) or 1 (SQLite).
        return lambda value: agreed if value in ("true", 1, True) else ""
