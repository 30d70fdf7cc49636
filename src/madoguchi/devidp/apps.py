"""The devidp app refuses to load unless the settings explicitly allow it.

It hands out identities for fictional people to anyone who asks, so it must never run
where real residents log in. Production settings leave ``MADOGUCHI_DEVIDP_ENABLED``
unset (and refuse it); dev and test settings set it to True.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DevIdpConfig(AppConfig):
    name = "madoguchi.devidp"
    label = "devidp"
    verbose_name = "Digital Authentication App simulator (development only)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if getattr(settings, "MADOGUCHI_DEVIDP_ENABLED", False) is not True:
            raise ImproperlyConfigured(
                "madoguchi.devidp is a development simulator: it is installed but "
                "MADOGUCHI_DEVIDP_ENABLED is not True. Remove it from INSTALLED_APPS."
            )
