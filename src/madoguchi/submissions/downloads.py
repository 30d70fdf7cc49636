"""Handing a delivered result document (電子交付) to the resident who may see it."""

from __future__ import annotations

from django.http import FileResponse

from . import workflow
from .models import ResultDocument


def result_download(document: ResultDocument) -> FileResponse:
    """The document as a download, recorded for the access history and never cached."""
    workflow.record_result_download(document)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.display_name,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
