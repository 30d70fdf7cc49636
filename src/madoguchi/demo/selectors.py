"""Reads of the demo."""

from __future__ import annotations

from madoguchi.tenants.models import Municipality

__all__ = ["is_loaded"]


def is_loaded() -> bool:
    """Whether any municipality exists (the demo loads only into an empty installation)."""
    return Municipality.objects.exists()
