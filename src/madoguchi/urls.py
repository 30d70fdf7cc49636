from django.apps import apps
from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

from madoguchi.api.api import api
from madoguchi.core import views as core_views
from madoguchi.integrations import system_forms_api  # noqa: F401  (its routes on system_api)
from madoguchi.integrations.system_api import system_api

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/system/", system_api.urls),
    path("api/v1/", api.urls),
    path("staff/forms/", include("madoguchi.forms.urls")),
    path("staff/exports/", include("madoguchi.exports.urls")),
    path("staff/mail/", include("madoguchi.mailin.urls")),
    path("staff/counter/", include("madoguchi.counter.urls")),
    path("staff/reservations/", include("madoguchi.reservations.staff_urls")),
    path("staff/guides/", include("madoguchi.guide.staff_urls")),
    path("staff/catalog/", include("madoguchi.catalog.staff_urls")),
    path("staff/integrations/", include("madoguchi.integrations.urls")),
    path("staff/", include("madoguchi.backoffice.urls")),
    path("identity/", include("madoguchi.identity.urls")),
    path("ledger/", include("madoguchi.ledger.urls")),
    path("receipts/", include("madoguchi.documents.urls")),
    path("sign/", include("madoguchi.signatures.urls")),
    # Before the residents' catch-all patterns below, which would read "mail" as a city.
    path("mail/", include("madoguchi.mailin.resident_urls")),
    path("counter/", include("madoguchi.counter.resident_urls")),
    path("guide/", include("madoguchi.guide.urls")),
    path("catalog/", include("madoguchi.catalog.public_urls")),
    path("reservations/", include("madoguchi.reservations.urls")),
    path("payments/", include("madoguchi.payments.urls")),
    path("", include("madoguchi.submissions.urls")),
]

# The Digital Authentication App simulator, only where it is installed (development and
# tests) and enabled. It goes first so that no catch-all pattern can shadow it.
if apps.is_installed("madoguchi.simulators.idp") and settings.MADOGUCHI_DEVIDP_ENABLED is True:
    urlpatterns.insert(0, path("devidp/", include("madoguchi.simulators.idp.urls")))

# The payment provider simulator (a Stripe stand-in), likewise.
if apps.is_installed("madoguchi.simulators.payments") and settings.MADOGUCHI_PAYSIM_ENABLED is True:
    urlpatterns.insert(0, path("paysim/", include("madoguchi.simulators.payments.urls")))
