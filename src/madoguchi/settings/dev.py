"""The embedded default: SQLite, local files, console email, loopback only."""

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# A fixed key is acceptable only because dev settings refuse anything but loopback.
SECRET_KEY = _SECRET_KEY or "dev-only-insecure-key-never-use-in-production-madoguchi"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MADOGUCHI_ALLOW_DEMO = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The simulators (stand-ins for the national identity service) and the demo data loader:
# development and tests only, refused by production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "madoguchi.simulators.idp", "madoguchi.demo"]  # noqa: F405
MADOGUCHI_DEVIDP_ENABLED = True
# A notice on every page, and a log warning, when the browser's address is not the site URL.
MIDDLEWARE = [*MIDDLEWARE, "madoguchi.core.site_url.SiteUrlCheckMiddleware"]  # noqa: F405

# --- payments (madoguchi.payments) and its provider simulator (paysim) -----------------
# A Stripe stand-in for Stripe's official SDK, on the identity simulator's origin (another
# origin than the site, like the real provider): `make run` gives http://localhost:8000/paysim.
INSTALLED_APPS = [*INSTALLED_APPS, "madoguchi.simulators.payments"]
MADOGUCHI_PAYSIM_ENABLED = True
MADOGUCHI_PAYSIM_URL = (MADOGUCHI_DEVIDP_URL or MADOGUCHI_SITE_URL).rstrip("/") + "/paysim"  # noqa: F405
# Fixed test keys of the demo cities' merchant accounts (the app's side and the simulator's).
_PAYSIM_KEYS = {
    "172065": ("sk_test_madoguchi_kaga_172065_0000000000", "whsec_madoguchi_kaga_172065_000000"),
    "281000": ("sk_test_madoguchi_kobe_281000_0000000000", "whsec_madoguchi_kobe_281000_000000"),
}
_PAYSIM_NAMES = {"172065": "加賀市", "281000": "神戸市"}
MADOGUCHI_PAYMENT_ACCOUNTS = {
    lg_code: {
        "provider": "stripe",
        "secret_key": secret_key,
        "webhook_secret": webhook_secret,
        "api_base": MADOGUCHI_PAYSIM_URL,
    }
    for lg_code, (secret_key, webhook_secret) in _PAYSIM_KEYS.items()
}
MADOGUCHI_PAYSIM_ACCOUNTS = {
    secret_key: {
        "name": _PAYSIM_NAMES[lg_code],
        "webhook_secret": webhook_secret,
        "webhook_url": f"{MADOGUCHI_SITE_URL.rstrip('/')}/payments/webhooks/stripe/{lg_code}/",  # noqa: F405
    }
    for lg_code, (secret_key, webhook_secret) in _PAYSIM_KEYS.items()
}
# Webhooks go out from a background thread shortly after each event, retried with backoff.
MADOGUCHI_PAYSIM_DELIVERY = "background"
