"""The demo app refuses to load unless the settings explicitly allow demo data."""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DemoConfig(AppConfig):
    name = "madoguchi.demo"
    label = "demo"
    verbose_name = "Demo data (development only)"

    def ready(self) -> None:
        # Checked at start, not only when the command runs: demo accounts have published
        # passwords, and an installed app is one `madoguchi demo` away from loading them.
        if getattr(settings, "MADOGUCHI_ALLOW_DEMO", False) is not True:
            raise ImproperlyConfigured(
                "madoguchi.demo loads demo accounts with published passwords: it is installed "
                "but MADOGUCHI_ALLOW_DEMO is not True. Remove it from INSTALLED_APPS."
            )
