"""Test settings: the same stack as dev, fast password hashing, locmem email."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .payment_simulator import payment_accounts, simulator_accounts, simulator_url

DEBUG = False
SECRET_KEY = "test-only-key-madoguchi-0123456789abcdef"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="madoguchi-test-media-"))
# Rate limits are exercised by their own tests with explicit overrides.
MADOGUCHI_RATE_LIMITS = {
    "login": 10_000,
    "api_submit": 10_000,
    "draft_start": 10_000,
    "upload": 10_000,
    "resume_email": 10_000,
    "display_pair": 10_000,
}
# Tests set limits and proxies themselves, whatever the shell running them exports.
MADOGUCHI_RATE_LIMIT_SCALE = ""
MADOGUCHI_RATE_LIMIT_OVERRIDES = ""
MADOGUCHI_TRUSTED_PROXIES = ""
MADOGUCHI_ALLOW_DEMO = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The simulators (stand-ins for the national identity service) and the demo data loader:
# development and tests only, refused by production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "madoguchi.simulators.idp", "madoguchi.demo"]  # noqa: F405
MADOGUCHI_DEVIDP_ENABLED = True

# --- audit ledger (madoguchi.ledger) --------------------------------------------------
# A key per test run, never the developer's var/keys one.
MADOGUCHI_LEDGER_KEY_FILE = Path(tempfile.mkdtemp(prefix="madoguchi-test-keys-")) / "ledger.pem"
MADOGUCHI_RATE_LIMITS = {**MADOGUCHI_RATE_LIMITS, "ledger": 10_000}
MADOGUCHI_RATE_LIMITS = {**MADOGUCHI_RATE_LIMITS, "system_token": 10_000, "system_api": 10_000}

# --- receipts (madoguchi.documents) ---------------------------------------------------
# A test seal CA per test run, never the developer's var/keys one.
MADOGUCHI_KEYS_DIR = Path(tempfile.mkdtemp(prefix="madoguchi-test-seal-"))

# --- background work (backoffice exports) ----------------------------------------------
# Tasks run immediately, inside the request or test that enqueues them.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

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
# Webhooks wait in a queue until a test delivers them (madoguchi.testing.payments).
MADOGUCHI_PAYSIM_DELIVERY = "manual"

# --- signed webhooks (madoguchi.integrations): http:// is allowed to this machine only -----
MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = True

# Webhooks may go to this machine (the tests' receivers listen on 127.0.0.1), and file drops
# may write under the temporary directory (pytest's tmp_path).
MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
MADOGUCHI_FILEDROP_ROOTS = [tempfile.gettempdir()]
