"""Markers shared by the apps' tests."""

from __future__ import annotations

from pathlib import Path

import pytest

JAPANESE_CATALOG = Path(__file__).resolve().parent.parent / "locale/ja/LC_MESSAGES/django.mo"

# Messages are English msgids; their Japanese text only exists once the catalog is compiled.
requires_japanese_catalog = pytest.mark.skipif(
    not JAPANESE_CATALOG.exists(),
    reason="no compiled Japanese catalog (locale/ja/LC_MESSAGES/django.mo); run `make messages`",
)
