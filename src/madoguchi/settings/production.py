"""Production: everything sensitive comes from the environment and is required."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    ALLOWED_HOSTS,
    DATABASES,
    MADOGUCHI_NODE_ROLE,
    MADOGUCHI_PULL_SOURCES,
    SECRET_KEY,
)
from .environment import env

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("MADOGUCHI_SECRET_KEY must be set to at least 50 random characters")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("MADOGUCHI_ALLOWED_HOSTS must name the public host names")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not env(
    "MADOGUCHI_ALLOW_SQLITE"
):
    raise ImproperlyConfigured("Set DATABASE_URL to a PostgreSQL database in production")

DEBUG = False
# Never a simulator or demo data in production, whatever the environment says: simulators
# hand out identities and certificates to anyone, demo accounts have published passwords.
# The switches are forced off (each of those apps refuses to start without its switch, so
# a settings module built on this one cannot add them either), and the apps are refused.
MADOGUCHI_DEVIDP_ENABLED = False
MADOGUCHI_PAYSIM_ENABLED = False
MADOGUCHI_ALLOW_DEMO = False
DEVELOPMENT_ONLY_APPS = ("madoguchi.simulators", "madoguchi.demo")


def _development_only(app: str) -> bool:
    return any(app == name or app.startswith(f"{name}.") for name in DEVELOPMENT_ONLY_APPS)


if _refused := [app for app in INSTALLED_APPS if _development_only(app)]:  # noqa: F405
    raise ImproperlyConfigured(f"development-only apps in production settings: {_refused}")
SECURE_SSL_REDIRECT: bool = env("MADOGUCHI_SSL_REDIRECT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-madoguchi-session"
CSRF_COOKIE_NAME = "__Host-madoguchi-csrf"

# --- audit ledger (madoguchi.ledger) --------------------------------------------------
# The checkpoint signing key must be provisioned (MADOGUCHI_LEDGER_KEY_FILE), never made up.
MADOGUCHI_LEDGER_GENERATE_KEY = False

# --- receipts (madoguchi.documents) ---------------------------------------------------
# Receipts are sealed with the city's own certificate (MADOGUCHI_SEAL_DIR) and timestamped
# by a real TSA (MADOGUCHI_TSA_URL); the generated test CA is refused (system check).
MADOGUCHI_TEST_SEAL_ALLOWED = False

# --- two nodes (madoguchi.integrations.node) ------------------------------------------
# The LGWAN node pulls from at least one internet node, over TLS end to end (the relay
# forwards TCP, it does not terminate TLS), so its client secret never crosses in clear.
if MADOGUCHI_NODE_ROLE == "lgwan":
    if not MADOGUCHI_PULL_SOURCES:
        raise ImproperlyConfigured(
            "MADOGUCHI_NODE_ROLE=lgwan needs MADOGUCHI_PULL_SOURCES: the internet node(s) to "
            "pull from (docs/deploy.md)"
        )
    if _plain := [
        s["name"] for s in MADOGUCHI_PULL_SOURCES if not s["base_url"].startswith("https://")
    ]:
        raise ImproperlyConfigured(
            f"MADOGUCHI_PULL_SOURCES: base_url must be https:// in production (sources {_plain})"
        )
