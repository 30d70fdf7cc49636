"""The identity simulator's app: it refuses to load unless the settings explicitly allow it.

It hands out identities for fictional people to anyone who asks, so it must never run
where real residents log in. Production settings force ``MADOGUCHI_DEVIDP_ENABLED`` off
(and refuse the app); dev and test settings set it to True. Its label stays ``devidp``
(tables, migrations, templates and the ``/devidp/`` URLs were named so before the app
moved under ``madoguchi.simulators``).

Once allowed, it registers its test PKI with ``madoguchi.signatures.trust``, so that
signatures made with the demo cards verify without signatures importing the simulator.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from madoguchi.signatures import trust


class DevIdpConfig(AppConfig):
    name = "madoguchi.simulators.idp"
    label = "devidp"
    verbose_name = "Digital Authentication App simulator (development only)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if getattr(settings, "MADOGUCHI_DEVIDP_ENABLED", False) is not True:
            raise ImproperlyConfigured(
                "madoguchi.simulators.idp is a development simulator: it is installed but "
                "MADOGUCHI_DEVIDP_ENABLED is not True. Remove it from INSTALLED_APPS."
            )
        from .authorities import TestPkiTrust  # models: only once the registry is ready

        trust.register_development_source(self.label, TestPkiTrust())
