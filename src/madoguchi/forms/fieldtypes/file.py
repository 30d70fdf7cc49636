"""An attached file. The answer is the list of stored files' metadata (name, size, sha256),
written by the upload service after the scan; the resident never posts it directly."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ..schema import FileField
from .base import (
    CellRenderer,
    EditorProp,
    ExportCells,
    FieldInvalid,
    FieldType,
    Widget,
    json_list,
    label_of,
)
from .registry import register

FILE_TYPES = [
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
]


@register
class File(FieldType[FileField]):
    name = "file"
    model = FileField
    display_name = pgettext_lazy("field type", "File")
    template_name = "forms/fields/file.html"
    takes_prefill = False
    editor_props = (
        EditorProp("max_size_mb", "number", gettext_lazy("Largest file (MB, up to 10)")),
        EditorProp("accept", "multi", gettext_lazy("Accepted file types"), "", list(FILE_TYPES)),
    )

    def missing_message(self, form_field: FileField) -> str:
        return _("Attach a file for “%(label)s”.") % {"label": label_of(form_field)}

    def clean(self, form_field: FileField, value: Any) -> list[Any]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise FieldInvalid(_("Attach the file through the form."))
        return value

    def display(self, form_field: FileField, value: Any, *, language: str) -> str:
        return "、".join(str(item.get("name", "")) for item in value)

    def widget(
        self, form_field: FileField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        return Widget(
            extra={"accept": ",".join(form_field.accept), "max_size_mb": form_field.max_size_mb}
        )

    def export_renderer(self, form_field: FileField, cells: ExportCells) -> CellRenderer:
        def files(value: Any) -> str:
            return "、".join(
                f"{item.get('name', '')} (sha256:{item.get('sha256', '')})"
                for item in json_list(value)
                if isinstance(item, dict)
            )

        return files
