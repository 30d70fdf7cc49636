"""The embedded default: SQLite, local files, console email, loopback only."""

import tempfile

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY
from .payment_simulator import payment_accounts, simulator_accounts, simulator_url

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
MADOGUCHI_PAYSIM_URL = simulator_url(
    site_url=MADOGUCHI_SITE_URL,  # noqa: F405
    devidp_url=MADOGUCHI_DEVIDP_URL,  # noqa: F405
)
# The demo cities' accounts: the app's side and the simulator's (settings/payment_simulator.py).
MADOGUCHI_PAYMENT_ACCOUNTS = payment_accounts(MADOGUCHI_PAYSIM_URL)
MADOGUCHI_PAYSIM_ACCOUNTS = simulator_accounts(MADOGUCHI_SITE_URL)  # noqa: F405
# Webhooks go out from a background thread shortly after each event, retried with backoff.
MADOGUCHI_PAYSIM_DELIVERY = "background"

# --- signed webhooks (madoguchi.integrations): http:// is allowed to this machine only -----
MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = True

# Webhooks may go to a receiver on this machine; file drops may write under var/filedrop and
# the temporary directory.
MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
MADOGUCHI_FILEDROP_ROOTS = [str(VAR_DIR / "filedrop"), tempfile.gettempdir()]  # noqa: F405
