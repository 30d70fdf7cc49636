"""The payment provider simulator's app: it refuses to load unless the settings allow it.

It answers Stripe's API with any test key in its settings and marks anything paid, so it
must never run where real money moves. Production settings force
``MADOGUCHI_PAYSIM_ENABLED`` off (and refuse every ``madoguchi.simulators`` app); dev and
test settings set it to True.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PaySimConfig(AppConfig):
    name = "madoguchi.simulators.payments"
    label = "paysim"
    verbose_name = "Payment provider simulator (development only)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if getattr(settings, "MADOGUCHI_PAYSIM_ENABLED", False) is not True:
            raise ImproperlyConfigured(
                "madoguchi.simulators.payments is a development simulator: it is installed but "
                "MADOGUCHI_PAYSIM_ENABLED is not True. Remove it from INSTALLED_APPS."
            )
