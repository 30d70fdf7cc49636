"""Test settings: the same stack as dev, fast password hashing, locmem email."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

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
# Webhooks wait in a queue until a test delivers them (madoguchi.testing.payments).
MADOGUCHI_PAYSIM_DELIVERY = "manual"
