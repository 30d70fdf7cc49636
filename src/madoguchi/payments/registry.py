"""Payment providers by name (the value stored on each payment)."""

from __future__ import annotations

from typing import Any

from madoguchi.core.registry import Registry

providers: Registry[Any] = Registry("payment provider")


def register_builtin_providers() -> None:
    """Registered in PaymentsConfig.ready; each backend lives under payments/contrib/."""
