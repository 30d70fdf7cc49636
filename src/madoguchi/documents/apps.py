from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


def check_seal_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """Where the test seal is refused (production), the real seal and TSA must be set."""
    if getattr(settings, "MADOGUCHI_TEST_SEAL_ALLOWED", True):
        return []
    required = {
        "MADOGUCHI_SEAL_DIR": "the directory of each municipality's seal certificate (.p12)",
        "MADOGUCHI_SEAL_ROOTS": "the PEM bundle of the seal and TSA root certificates",
        "MADOGUCHI_TSA_URL": "the RFC 3161 time-stamping authority's URL",
    }
    return [
        checks.Error(
            f"{name} is not set: receipts cannot be sealed.",
            hint=f"Set {name} to {meaning} (see docs/trust.md).",
            id=f"documents.E00{number}",
        )
        for number, (name, meaning) in enumerate(required.items(), start=1)
        if not getattr(settings, name, "")
    ]


class DocumentsConfig(AppConfig):
    name = "madoguchi.documents"
    label = "documents"

    def ready(self) -> None:
        checks.register(check_seal_settings)
