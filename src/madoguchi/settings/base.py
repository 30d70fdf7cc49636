"""Settings shared by every environment.

Everything that differs between a laptop and a city's data centre is read from the
environment, so the same code runs the embedded demo and production.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .environment import default_storage, env

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Runtime state (SQLite database, uploaded files) lives outside the package.
VAR_DIR: Path = env("MADOGUCHI_VAR_DIR", Path.cwd() / "var")

SECRET_KEY: str = env("MADOGUCHI_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS: list[str] = env("MADOGUCHI_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "madoguchi.core",
    "madoguchi.tenants",
    "madoguchi.forms",
    "madoguchi.identity",
    "madoguchi.submissions",
    "madoguchi.signatures",
    "madoguchi.ledger",
    "madoguchi.documents",
    "madoguchi.payments",
    "madoguchi.backoffice",
    "madoguchi.exports",
    "madoguchi.mailin",
    "madoguchi.counter",
    "madoguchi.reservations",
    "madoguchi.guide",
    "madoguchi.catalog",
    "madoguchi.api",
    "madoguchi.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Personal data everywhere: no-store unless a view sets its own Cache-Control.
    "madoguchi.core.cache_control.NoStoreByDefault",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Errors under /api/ (404, 405, refused requests) as JSON in the client's language.
    "madoguchi.api.middleware.ApiErrorsAsJson",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Text that cannot be stored (U+0000, control characters) is refused before any view.
    "madoguchi.core.input_guard.RefuseUnstorableText",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
WSGI_APPLICATION = "madoguchi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "madoguchi.core.staff.staff_context",
            ],
        },
    },
]


def database_from_environment(default_sqlite_path: Path) -> dict[str, object]:
    """PostgreSQL when ``DATABASE_URL`` says so, else an embedded SQLite file in WAL mode.

    SQLite runs transactions as ``BEGIN IMMEDIATE`` so that two writers queue on the
    database lock instead of failing half-way (receipt numbers rely on it).
    """
    url = env("DATABASE_URL")
    if url:
        # Health checks: a connection kept across requests is tested before reuse, so a
        # database restart costs no failed requests (seen in the fault test).
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        return config
    # The embedded default must work on a fresh checkout with no set-up at all.
    default_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": default_sqlite_path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": database_from_environment(VAR_DIR / "madoguchi.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "backoffice:login"

# Japanese first, English second.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    # Local files, or the S3-compatible bucket named by MADOGUCHI_S3_BUCKET (docs/deploy.md).
    "default": default_storage(),
    # Hashed names (app.3f2a….css) and gzip + brotli copies, made by `collectstatic`: browsers
    # keep them for good (WhiteNoise marks hashed files immutable). dev/test use the finders.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Attachments are limited per field by the form schema; this is the hard ceiling.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# --- uploads (submissions; docs/deploy.md "Virus scanning") ---------------------------
# clamd's unix socket path or host:port; setting it turns scanning on. A configured scanner
# that does not answer refuses the upload (fail closed), it never lets a file through.
MADOGUCHI_CLAMD_SOCKET: str = env("MADOGUCHI_CLAMD_SOCKET")
# The scanner registry's backend: "none" or "clamd" (default: clamd when a socket is set).
MADOGUCHI_VIRUS_SCANNER: str = env(
    "MADOGUCHI_VIRUS_SCANNER", "clamd" if MADOGUCHI_CLAMD_SOCKET else "none"
)
# Seconds to wait for clamd's verdict before refusing the upload as "try again later".
MADOGUCHI_CLAMD_TIMEOUT: float = env("MADOGUCHI_CLAMD_TIMEOUT")
# A resume link is all an uploader needs: files one draft (or one correction) may receive
# in its life, replacements included, and the megabytes of files it may hold at once.
MADOGUCHI_UPLOADS_PER_DRAFT: int = env("MADOGUCHI_UPLOADS_PER_DRAFT")
MADOGUCHI_DRAFT_UPLOAD_MB: int = env("MADOGUCHI_DRAFT_UPLOAD_MB")
# `madoguchi purge` deletes stored files no attachment refers to once they are this old
# (younger ones may belong to an upload still being saved).
MADOGUCHI_ORPHAN_FILE_HOURS: int = env("MADOGUCHI_ORPHAN_FILE_HOURS")

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
        if env("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- security defaults -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "madoguchi.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Staff login (docs/staff.md): after this many failures from one client for one user name,
# that client must wait before trying that name again; the wait doubles with every further
# failure up to the maximum. Other clients are not affected, so nobody can lock staff out.
MADOGUCHI_LOGIN_MAX_FAILURES = 5
MADOGUCHI_LOGIN_THROTTLE_SECONDS = 60
MADOGUCHI_LOGIN_THROTTLE_MAX_SECONDS = 60 * 60
# Wrong one-time codes after a right password, from any client, before the account locks:
# whoever reaches that step knows the password, so this lock is not an outsider's to pull.
MADOGUCHI_LOGIN_CODE_MAX_FAILURES = 10
MADOGUCHI_LOGIN_LOCK_MINUTES = 15
# Requests per minute and client address for anonymous writes (API submissions, logins,
# requests carrying uploaded files).
MADOGUCHI_RATE_LIMITS = {
    "login": 20,
    "api_submit": 120,
    "draft_start": 60,
    "upload": 30,
    # Emails of a resume link (一時保存), per client and minute.
    "resume_email": 3,
    # Codes typed on a resident display to pair it with a counter (counter.display).
    "display_pair": 10,
}
# Load and fuzz runs raise the limits from the environment (validated on first use):
# a factor for every scope, and "scope=per_minute,..." for single ones.
MADOGUCHI_RATE_LIMIT_SCALE: str = env("MADOGUCHI_RATE_LIMIT_SCALE")
MADOGUCHI_RATE_LIMIT_OVERRIDES: str = env("MADOGUCHI_RATE_LIMIT_OVERRIDES")
# Reverse proxies whose X-Forwarded-For is believed ("127.0.0.1/32,10.0.0.0/8"): without
# it every client behind nginx shares nginx's address. Empty: REMOTE_ADDR is the client.
MADOGUCHI_TRUSTED_PROXIES: str = env("MADOGUCHI_TRUSTED_PROXIES")
# Resume links of unfinished applications stay valid this many days.
MADOGUCHI_DRAFT_DAYS = 30
# A mail-in application (郵送申請) whose paper has not arrived this many days after it was
# prepared expires; its reference is then refused at intake.
MADOGUCHI_MAIL_DAYS: int = env("MADOGUCHI_MAIL_DAYS")
# A counter pre-registration (窓口事前登録) not checked in this many days after it was made
# expires and its answers are deleted; its reference is then refused at the counter.
MADOGUCHI_COUNTER_DAYS: int = env("MADOGUCHI_COUNTER_DAYS")
# The browser that sent an application may open its confirmation and receipt PDF (every
# answer) this long, and never after logout; later only through My page (card login).
MADOGUCHI_RECEIPT_ACCESS_MINUTES: int = env("MADOGUCHI_RECEIPT_ACCESS_MINUTES")
# Demo data (fixed passwords and TOTP secrets) may only be loaded where this is True.
MADOGUCHI_ALLOW_DEMO = False
# The local simulator of the Digital Authentication App (devidp): development and tests only.
MADOGUCHI_DEVIDP_ENABLED = False
MADOGUCHI_SITE_URL: str = env("MADOGUCHI_SITE_URL")
# Where devidp is reached (its issuer); empty: MADOGUCHI_SITE_URL. `make run` puts it on
# the other loopback name, so the demo's card login crosses origins like production.
MADOGUCHI_DEVIDP_URL: str = env("MADOGUCHI_DEVIDP_URL")
# The local simulator of the payment provider (paysim, a Stripe stand-in): dev and tests only.
MADOGUCHI_PAYSIM_ENABLED = False

# --- background work and exports (backoffice exports) -------------------------------
# The Django tasks API (the django-tasks backport until Django 6) with its database
# backend: `madoguchi db_worker` runs the tasks; `madoguchi serve` starts one in development.
INSTALLED_APPS += ["django_tasks", "django_tasks.backends.database"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}
# Exports up to this many rows are written at once and streamed; larger ones run as tasks.
MADOGUCHI_EXPORT_DIRECT_MAX_ROWS = env("MADOGUCHI_EXPORT_DIRECT_MAX_ROWS")
# Export files are deleted this many days after they are ready (the log of them stays).
MADOGUCHI_EXPORT_RETENTION_DAYS = env("MADOGUCHI_EXPORT_RETENTION_DAYS")

EMAIL_BACKEND = env("MADOGUCHI_EMAIL_BACKEND")
EMAIL_HOST = env("MADOGUCHI_EMAIL_HOST")
EMAIL_PORT = env("MADOGUCHI_EMAIL_PORT")
EMAIL_HOST_USER = env("MADOGUCHI_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("MADOGUCHI_EMAIL_PASSWORD")
EMAIL_USE_TLS = env("MADOGUCHI_EMAIL_TLS")
DEFAULT_FROM_EMAIL = env("MADOGUCHI_FROM_EMAIL")

OTP_TOTP_ISSUER = "Madoguchi"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_personal_data": {"()": "madoguchi.core.logging.PersonalDataFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_personal_data"]},
        # runserver's access lines carry full URLs (tokens, searches): redacted too.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["no_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # Django's own handlers (a DEBUG console, mail to ADMINS) would print request paths
        # unredacted before the record reaches ours: everything goes through the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # It logs every CRL-issuer path it tries, with tracebacks; failures reach us as results.
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}

# --- audit ledger (madoguchi.ledger; docs/trust.md) -----------------------------------
# The log's name in signed checkpoints; empty means "<host of MADOGUCHI_SITE_URL>/ledger".
MADOGUCHI_LEDGER_ORIGIN = env("MADOGUCHI_LEDGER_ORIGIN")
# Ed25519 private key (PEM, PKCS#8) that signs checkpoints. Keep it, and back it up:
# a new key cannot vouch for checkpoints the old one signed.
MADOGUCHI_LEDGER_KEY_FILE: Path = env(
    "MADOGUCHI_LEDGER_KEY_FILE", VAR_DIR / "keys" / "ledger-ed25519.pem"
)
# Development creates the key on first use; production refuses to sign without it.
MADOGUCHI_LEDGER_GENERATE_KEY = True
# /ledger/checkpoint signs a new checkpoint at most this often (when the tree grew).
MADOGUCHI_LEDGER_CHECKPOINT_SECONDS = env("MADOGUCHI_LEDGER_CHECKPOINT_SECONDS")
MADOGUCHI_RATE_LIMITS = {**MADOGUCHI_RATE_LIMITS, "ledger": 300}

# --- signatures (madoguchi.signatures; docs/identity.md) --------------------------------
# J-LIS's CA certificates (PEM files) that signing certificates must chain to, and any CA
# certificates in between. Development adds the devidp test PKI (never in production).
MADOGUCHI_JPKI_TRUST_ROOTS: list[str] = env("MADOGUCHI_JPKI_TRUST_ROOTS")
MADOGUCHI_JPKI_INTERMEDIATES: list[str] = env("MADOGUCHI_JPKI_INTERMEDIATES")
# A callable (certificates) -> [CRL]; empty: devidp's CRLs in development, else each
# certificate's distribution point. Production must name one (check --deploy).
MADOGUCHI_JPKI_CRL_SOURCE: str = env("MADOGUCHI_JPKI_CRL_SOURCE")

# --- receipts (madoguchi.documents; docs/trust.md "Signed receipts") --------------------
# Each municipality's seal certificate (公印) as <dir>/<lg_code>.p12. Empty: a generated
# "Madoguchi Test Seal CA" seals receipts (development and tests only).
MADOGUCHI_SEAL_DIR = env("MADOGUCHI_SEAL_DIR")
# The PKCS#12 passphrase, or (better) a file holding it, e.g. a container secret.
MADOGUCHI_SEAL_PASSPHRASE = env("MADOGUCHI_SEAL_PASSPHRASE")
MADOGUCHI_SEAL_PASSPHRASE_FILE = env("MADOGUCHI_SEAL_PASSPHRASE_FILE")
# PEM bundle of the roots verifiers should trust (seal CA and TSA), served at
# /receipts/trust/seal-root.pem. Empty with the test seal: the test root.
MADOGUCHI_SEAL_ROOTS = env("MADOGUCHI_SEAL_ROOTS")
MADOGUCHI_TEST_SEAL_ALLOWED = True
# Where the test seal CA keeps its keys, so receipts still verify after a restart.
MADOGUCHI_KEYS_DIR: Path = env("MADOGUCHI_KEYS_DIR", VAR_DIR / "keys")
# RFC 3161 time-stamping authority; empty: the local test TSA (in-process).
MADOGUCHI_TSA_URL = env("MADOGUCHI_TSA_URL")
MADOGUCHI_TSA_TIMEOUT = env("MADOGUCHI_TSA_TIMEOUT")
# TrueType fonts of receipts: {"gothic": path, "mincho": path}; None: Debian's IPAex fonts.
MADOGUCHI_PDF_FONTS: dict[str, str] | None = env("MADOGUCHI_PDF_FONTS") or None

# --- payments (madoguchi.payments; issue 18) --------------------------------------------
# Each municipality's merchant account by LG code (JSON from the environment, checked at
# start; empty: no online payment). Development and tests point it at the simulator.
MADOGUCHI_PAYMENT_ACCOUNTS: dict[str, dict[str, str]] = env("MADOGUCHI_PAYMENT_ACCOUNTS")

# --- two nodes across 三層の対策 (madoguchi.integrations.node) ---------------------------
# One instance ("single"), or the resident-facing "internet" node and the staff "lgwan" node,
# which pulls from the internet node through a relay (docs/deploy.md). Nothing names the
# LGWAN node on the internet side: connections open from LGWAN only.
MADOGUCHI_NODE_ROLE: str = env("MADOGUCHI_NODE_ROLE")
MADOGUCHI_PULL_SOURCES: list[dict[str, str]] = env("MADOGUCHI_PULL_SOURCES")
if MADOGUCHI_PULL_SOURCES and MADOGUCHI_NODE_ROLE != "lgwan":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "MADOGUCHI_PULL_SOURCES is set but MADOGUCHI_NODE_ROLE is not lgwan: only the LGWAN "
        "node pulls. Set MADOGUCHI_NODE_ROLE=lgwan, or remove the sources. See docs/deploy.md."
    )
# End-to-end encryption (madoguchi.integrations.keyring): where applications are opened, the
# department keys' private halves and their passphrase. Never set on the internet node.
MADOGUCHI_KEYRING_DIR: str = env("MADOGUCHI_KEYRING_DIR")
MADOGUCHI_KEYRING_PASSPHRASE: str = env("MADOGUCHI_KEYRING_PASSPHRASE")
# File drops (madoguchi.integrations.filedrop): applications per batch.
MADOGUCHI_FILEDROP_BATCH_MAX: int = env("MADOGUCHI_FILEDROP_BATCH_MAX")
# Signed webhooks (madoguchi.integrations.webhooks): seconds before each attempt (Standard
# Webhooks' schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), the (connect, read)
# timeouts in seconds, and how long every attempt to an endpoint may fail before it is disabled.
MADOGUCHI_WEBHOOK_RETRY_SCHEDULE: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
MADOGUCHI_WEBHOOK_TIMEOUTS: tuple[float, float] = (3.0, 10.0)
MADOGUCHI_WEBHOOK_DISABLE_AFTER = timedelta(days=5)
# Webhooks are never sent to loopback, private, link-local or other internal addresses (SSRF
# from the internet node), except to these networks (CIDRs): a city's own receiver.
MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS: list[str] = env("MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS")
# File drops write only under these directories (symbolic links resolved); none: no
# directory target (s3:// targets are not affected).
MADOGUCHI_FILEDROP_ROOTS: list[str] = env("MADOGUCHI_FILEDROP_ROOTS")
# On the LGWAN node resident pages answer 404; this middleware is a no-op on the others.
MIDDLEWARE = [*MIDDLEWARE, "madoguchi.integrations.node.NodeRoleMiddleware"]

# --- the system API (madoguchi.integrations; docs/integration.md "システムAPI") ------------
# Per minute: token requests per address and per client (system_token), API calls per
# address and per client (system_api).
MADOGUCHI_RATE_LIMITS = {**MADOGUCHI_RATE_LIMITS, "system_token": 30, "system_api": 600}
