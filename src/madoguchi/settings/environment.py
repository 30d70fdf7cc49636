"""Every setting an operator can give through the environment, read in one typed place.

The settings modules ask for a variable by name (``env("MADOGUCHI_TSA_URL")``) and get it
parsed to its type, or an :class:`~django.core.exceptions.ImproperlyConfigured` error that
names the variable and says what it expects. The same declarations generate the table in
docs/operations.md (``madoguchi settings-table``), and a test keeps the two equal, so no
document can promise a variable that nothing reads, and nothing can read one that is not
documented.

This module imports nothing from Django but the exception: settings modules load it before
Django is configured.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

__all__ = ["VARIABLES", "Variable", "default_storage", "env", "markdown_table"]


def _string(raw: str) -> str:
    return raw


def _integer(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("a whole number") from None


def _positive_integer(raw: str) -> int:
    number = _integer(raw)
    if number < 1:
        raise ValueError("a whole number of at least 1")
    return number


def _positive_number(raw: str) -> float:
    try:
        number = float(raw.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise ValueError("a positive number")
    return number


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("1 or 0 (also true/false, yes/no, on/off)")


def _path(raw: str) -> Path:
    # Taken literally: no "~" expansion (systemd does none either, and "~name" would look up
    # an account on the machine).
    return Path(raw.strip())


def _words(raw: str) -> list[str]:
    return [word.strip() for word in raw.split(",") if word.strip()]


def _paths(raw: str) -> list[str]:
    """Comma- or colon-separated file paths (colon as in PATH)."""
    return [str(_path(word)) for word in raw.replace(os.pathsep, ",").split(",") if word.strip()]


def _networks(raw: str) -> list[str]:
    """Comma-separated CIDRs (``10.20.0.0/16,fd00:1::/64``); a bare address is one host."""
    import ipaddress

    found: list[str] = []
    for word in _words(raw):
        try:
            found.append(str(ipaddress.ip_network(word, strict=False)))
        except ValueError:
            raise ValueError(
                f"comma-separated networks such as 10.20.0.0/16 ({word[:40]!r} is not one)"
            ) from None
    return found


def _url(raw: str) -> str:
    value = raw.strip()
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("a URL starting with http:// or https://")
    return value.rstrip("/")


def _mapping(raw: str) -> dict[str, str]:
    """``key=value,key=value``."""
    found: dict[str, str] = {}
    for item in _words(raw):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError("key=value pairs separated by commas")
        found[key.strip()] = value.strip()
    return found


def _fonts(raw: str) -> dict[str, str]:
    expected = "gothic=/path/to/font.ttf,mincho=/path/to/font.ttf"
    try:
        fonts = _mapping(raw)
    except ValueError:
        raise ValueError(expected) from None
    if set(fonts) - {"gothic", "mincho"}:
        raise ValueError(expected)
    return fonts


# Payment providers an account may name (payments.registry; settings load before apps).
PAYMENT_PROVIDERS = frozenset({"stripe"})
_ACCOUNT_KEYS = {"provider", "secret_key", "webhook_secret", "api_base"}


def _payment_accounts(raw: str) -> dict[str, dict[str, str]]:
    """``{"<lg_code>": {"provider": "stripe", "secret_key": …, "webhook_secret": …,
    "api_base": optional}}``. Messages name LG codes and keys, never a key's value."""
    if not raw.strip():
        return {}
    try:
        accounts = json.loads(raw)
    except ValueError:
        raise ValueError(
            'a JSON object {"<lg_code>": {"provider": "stripe", "secret_key": "sk_…", '
            '"webhook_secret": "whsec_…"}} (this is not valid JSON)'
        ) from None
    if not isinstance(accounts, dict):
        raise ValueError('a JSON object by LG code: {"<lg_code>": {...}}')
    parsed: dict[str, dict[str, str]] = {}
    for lg_code, entry in accounts.items():
        if not (isinstance(lg_code, str) and len(lg_code) == 6 and lg_code.isdigit()):
            raise ValueError(f"6-digit LG codes as keys ({str(lg_code)[:12]!r} is not one)")
        if not isinstance(entry, dict):
            raise ValueError(f"an object for {lg_code}")
        unknown = sorted(set(entry) - _ACCOUNT_KEYS)
        if unknown:
            raise ValueError(
                f"only {', '.join(sorted(_ACCOUNT_KEYS))} for {lg_code} (not {unknown})"
            )
        provider = entry.get("provider")
        if provider not in PAYMENT_PROVIDERS:
            raise ValueError(
                f"a known provider for {lg_code} ({', '.join(sorted(PAYMENT_PROVIDERS))}), "
                f"not {str(provider)[:30]!r}"
            )
        for key in ("secret_key", "webhook_secret"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"a non-empty {key} for {lg_code}")
        api_base = entry.get("api_base") or ""
        if not isinstance(api_base, str):
            raise ValueError(f"api_base of {lg_code} as a URL")
        parsed[lg_code] = {
            "provider": provider,
            "secret_key": entry["secret_key"].strip(),
            "webhook_secret": entry["webhook_secret"].strip(),
            "api_base": _url(api_base),
        }
    return parsed


_PULL_SOURCE_KEYS = {"name", "base_url", "client_id", "secret"}


def _pull_sources(raw: str) -> list[dict[str, str]]:
    """``[{"name": …, "base_url": …, "client_id": …, "secret": …}]``: the internet nodes an
    LGWAN node pulls from. Messages name sources and keys, never the secret."""
    if not raw.strip():
        return []
    expected = (
        'a JSON list [{"name": "internet", "base_url": "https://relay.example.lg.jp", '
        '"client_id": "…", "secret": "…"}]'
    )
    try:
        sources = json.loads(raw)
    except ValueError:
        raise ValueError(f"{expected} (this is not valid JSON)") from None
    if not isinstance(sources, list):
        raise ValueError(expected)
    parsed: list[dict[str, str]] = []
    for index, entry in enumerate(sources, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"an object for source {index}")
        unknown = sorted(set(entry) - _PULL_SOURCE_KEYS)
        if unknown:
            raise ValueError(
                f"only {', '.join(sorted(_PULL_SOURCE_KEYS))} in source {index} (not {unknown})"
            )
        for key in sorted(_PULL_SOURCE_KEYS):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"a non-empty {key} in source {index}")
        name = entry["name"].strip()
        if len(name) > 100 or any(s["name"] == name for s in parsed):
            raise ValueError(f"a unique name of at most 100 characters in source {index}")
        try:
            base_url = _url(entry["base_url"])
        except ValueError:
            raise ValueError(
                f"base_url of source {name!r} as a URL (http:// or https://)"
            ) from None
        parsed.append(
            {
                "name": name,
                "base_url": base_url,
                "client_id": entry["client_id"].strip(),
                "secret": entry["secret"].strip(),
            }
        )
    return parsed


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.strip() not in allowed:
            raise ValueError(" or ".join(allowed))
        return raw.strip()

    return parse


@dataclass(frozen=True)
class Variable:
    """One environment variable: its type, its default and what it is for."""

    name: str
    parse: Callable[[str], Any]
    meaning: str
    default: str = ""
    default_text: str = ""
    section: str = "General"
    # Holds keys: an error never repeats the value.
    secret: bool = False

    def read(self, environ: Mapping[str, str]) -> Any:
        # Set but empty counts as unset: `VAR=` in an env file must not mean "nothing".
        raw = environ.get(self.name) or self.default
        try:
            return self.parse(raw)
        except ValueError as error:
            shown = "(value hidden)" if self.secret else repr(raw)
            raise ImproperlyConfigured(
                f"{self.name}={shown} is not valid: expected {error}. See docs/operations.md."
            ) from None

    @property
    def shown_default(self) -> str:
        if self.default_text:
            return self.default_text
        return f"`{self.default}`" if self.default else "—"


def _variables(*variables: Variable) -> dict[str, Variable]:
    return {variable.name: variable for variable in variables}


VARIABLES: dict[str, Variable] = _variables(
    # --- core -----------------------------------------------------------------------------
    Variable(
        "DATABASE_URL",
        _string,
        "PostgreSQL, e.g. `postgres://user@host:5432/madoguchi`",
        default_text="embedded SQLite (WAL) in `var/`",
    ),
    Variable(
        "MADOGUCHI_VAR_DIR",
        _path,
        "where SQLite, uploads, keys and collected static files live",
        default_text="`./var`",
    ),
    Variable(
        "MADOGUCHI_SECRET_KEY",
        _string,
        "Django's secret key; required in production (50+ random characters)",
    ),
    Variable(
        "MADOGUCHI_ALLOWED_HOSTS",
        _words,
        "comma-separated host names the site answers to (required in production)",
    ),
    Variable(
        "MADOGUCHI_SITE_URL",
        _url,
        "the public URL of the site: links in emails, receipt QR codes and reference URLs, the "
        "ledger's origin, and in development the identity simulator's redirect URIs (and its "
        "issuer unless `MADOGUCHI_DEVIDP_URL` is set); `make run PORT=…` sets it",
        default="http://127.0.0.1:8000",
    ),
    Variable(
        "MADOGUCHI_DEVIDP_URL",
        _url,
        "development only: where the identity simulator (devidp) is reached; `make run` uses "
        "`http://localhost:PORT`, another origin than the site, like the real service",
        default_text="`MADOGUCHI_SITE_URL`",
    ),
    Variable(
        "REDIS_URL",
        _string,
        "shared cache (rate limits) for several workers or instances, e.g. `redis://host:6379/0`",
        default_text="in-process cache",
    ),
    Variable(
        "MADOGUCHI_SSL_REDIRECT",
        _boolean,
        "production: redirect HTTP to HTTPS; `0` when TLS ends at a proxy that already redirects",
        default="1",
    ),
    Variable(
        "MADOGUCHI_ALLOW_SQLITE",
        _boolean,
        "production: allow SQLite (a one-machine trial only)",
        default="0",
    ),
    Variable(
        "MADOGUCHI_TRUSTED_PROXIES",
        _string,
        "reverse proxies whose `X-Forwarded-For` is believed, as addresses or networks "
        "(`127.0.0.1/32,10.0.0.0/8`); read from the right, past trusted hops (docs/deploy.md)",
        default_text="none: the connecting address is the client",
    ),
    Variable(
        "MADOGUCHI_RATE_LIMIT_SCALE",
        _string,
        "multiplies every rate limit (load and fuzz runs); a positive number, checked at start",
        default="1",
    ),
    Variable(
        "MADOGUCHI_RATE_LIMIT_OVERRIDES",
        _string,
        "per-scope limits per minute and client, e.g. `api_submit=100000,upload=5000`; "
        "checked at start",
    ),
    Variable(
        "MADOGUCHI_RECEIPT_ACCESS_MINUTES",
        _positive_integer,
        "the browser that sent an application may open its confirmation and receipt this long "
        "(never after logout); later only through My page",
        default="60",
    ),
    # --- email ----------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_EMAIL_BACKEND",
        _string,
        "Django email backend; `django.core.mail.backends.smtp.EmailBackend` for SMTP",
        default="django.core.mail.backends.console.EmailBackend",
        default_text="console",
        section="Email",
    ),
    Variable("MADOGUCHI_EMAIL_HOST", _string, "SMTP host", default="localhost", section="Email"),
    Variable("MADOGUCHI_EMAIL_PORT", _positive_integer, "SMTP port", default="25", section="Email"),
    Variable("MADOGUCHI_EMAIL_USER", _string, "SMTP user name", section="Email"),
    Variable("MADOGUCHI_EMAIL_PASSWORD", _string, "SMTP password", section="Email"),
    Variable("MADOGUCHI_EMAIL_TLS", _boolean, "SMTP with STARTTLS", default="0", section="Email"),
    Variable(
        "MADOGUCHI_FROM_EMAIL",
        _string,
        "sender address of emails to residents and staff",
        default="madoguchi@example.lg.jp",
        section="Email",
    ),
    # --- audit ledger ---------------------------------------------------------------------
    Variable(
        "MADOGUCHI_LEDGER_KEY_FILE",
        _path,
        "Ed25519 private key (PEM) that signs ledger checkpoints; required in production, "
        "back it up",
        default_text="dev: generated in `var/keys/`",
        section="Audit ledger",
    ),
    Variable(
        "MADOGUCHI_LEDGER_ORIGIN",
        _string,
        "the log's name in signed checkpoints",
        default_text="`<host of MADOGUCHI_SITE_URL>/ledger`",
        section="Audit ledger",
    ),
    Variable(
        "MADOGUCHI_LEDGER_CHECKPOINT_SECONDS",
        _positive_integer,
        "`/ledger/checkpoint` signs a new checkpoint at most this often",
        default="60",
        section="Audit ledger",
    ),
    # --- receipts -------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_SEAL_DIR",
        _string,
        "`<lg_code>.p12` seal certificate (公印) per municipality, for receipts; required in "
        "production",
        default_text="dev: test seal CA in `var/keys/`",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_SEAL_PASSPHRASE_FILE",
        _string,
        "file holding the passphrase of the `.p12` files (better than the next one)",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_SEAL_PASSPHRASE",
        _string,
        "passphrase of the `.p12` files",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_SEAL_ROOTS",
        _string,
        "PEM file of the seal and TSA roots published at `/receipts/trust/`; required in "
        "production",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_KEYS_DIR",
        _path,
        "where the development test seal CA keeps its keys",
        default_text="`var/keys`",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_TSA_URL",
        _url,
        "RFC 3161 time-stamping authority for receipts; required in production",
        default_text="dev: local test TSA",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_TSA_TIMEOUT",
        _positive_integer,
        "seconds to wait for the TSA",
        default="10",
        section="Receipts",
    ),
    Variable(
        "MADOGUCHI_PDF_FONTS",
        _fonts,
        "TrueType fonts of PDFs as `gothic=PATH,mincho=PATH`",
        default_text="Debian's IPAex fonts (`fonts-ipaexfont-gothic`, `-mincho`)",
        section="Receipts",
    ),
    # --- signatures (JPKI) ----------------------------------------------------------------
    Variable(
        "MADOGUCHI_JPKI_TRUST_ROOTS",
        _paths,
        "PEM files of J-LIS's CA certificates that signing certificates must chain to "
        "(comma-separated); required in production",
        default_text="dev: the devidp test PKI",
        section="Signatures (JPKI)",
    ),
    Variable(
        "MADOGUCHI_JPKI_INTERMEDIATES",
        _paths,
        "PEM files of CA certificates between the roots and card certificates, if any",
        section="Signatures (JPKI)",
    ),
    Variable(
        "MADOGUCHI_JPKI_CRL_SOURCE",
        _string,
        "where CRLs come from: a dotted path to a callable `(certificates) -> [CRL]`; "
        "`madoguchi.signatures.revocation.default_crls` fetches each certificate's distribution "
        "point; required in production (docs/identity.md)",
        default_text="dev: the devidp test PKI, else distribution points",
        section="Signatures (JPKI)",
    ),
    # --- object storage ---------------------------------------------------------------------
    Variable(
        "MADOGUCHI_S3_BUCKET",
        _string,
        "store uploads and export files in this S3-compatible bucket (needs "
        "`pip install 'madoguchi[s3]'`; credentials from boto3's usual sources, docs/deploy.md)",
        default_text="local files in `MADOGUCHI_VAR_DIR/media`",
        section="Object storage",
    ),
    Variable(
        "MADOGUCHI_S3_ENDPOINT",
        _url,
        "the S3 API's URL for MinIO and other S3-compatible services",
        default_text="AWS",
        section="Object storage",
    ),
    Variable("MADOGUCHI_S3_REGION", _string, "the bucket's region", section="Object storage"),
    Variable(
        "MADOGUCHI_S3_ADDRESSING_STYLE",
        _choice("path", "virtual", "auto"),
        "`path` for MinIO and most S3-compatible services; AWS works with either",
        default="path",
        section="Object storage",
    ),
    # --- uploads --------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_CLAMD_SOCKET",
        _string,
        "clamd's unix socket path or `host:port`; setting it turns virus scanning on. A "
        "configured scanner that does not answer refuses uploads (docs/deploy.md)",
        default_text="no scanning",
        section="Uploads",
    ),
    Variable(
        "MADOGUCHI_VIRUS_SCANNER",
        _choice("none", "clamd"),
        "the virus scanner backend",
        default_text="`clamd` when a socket is set, else `none`",
        section="Uploads",
    ),
    Variable(
        "MADOGUCHI_CLAMD_TIMEOUT",
        _positive_number,
        "seconds to wait for clamd's verdict before asking the resident to try again later",
        default="30",
        section="Uploads",
    ),
    Variable(
        "MADOGUCHI_UPLOADS_PER_DRAFT",
        _positive_integer,
        "files one draft or correction may receive in its life, replacements included",
        default="30",
        section="Uploads",
    ),
    Variable(
        "MADOGUCHI_DRAFT_UPLOAD_MB",
        _positive_integer,
        "megabytes of files one draft or correction may hold at once",
        default="50",
        section="Uploads",
    ),
    Variable(
        "MADOGUCHI_ORPHAN_FILE_HOURS",
        _positive_integer,
        "`madoguchi purge` deletes stored files no row refers to once they are this old",
        default="24",
        section="Uploads",
    ),
    # --- mail-in ---------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_MAIL_DAYS",
        _positive_integer,
        "a mail-in application not received this many days after it was prepared expires",
        default="60",
        section="Mail-in",
    ),
    # --- counter ----------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_COUNTER_DAYS",
        _positive_integer,
        "a counter pre-registration not checked in this many days after it was made expires "
        "(its answers are deleted)",
        default="30",
        section="Counter",
    ),
    # --- payments -------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_PAYMENT_ACCOUNTS",
        _payment_accounts,
        "each municipality's payment account as JSON by LG code: "
        '`{"172031": {"provider": "stripe", "secret_key": "sk_live_…", '
        '"webhook_secret": "whsec_…"}}` (docs/deploy.md); keep it in a secret file',
        default_text="none: no online payment",
        section="Payments",
        secret=True,
    ),
    # --- two nodes (三層の対策) ------------------------------------------------------------
    Variable(
        "MADOGUCHI_NODE_ROLE",
        _choice("single", "internet", "lgwan"),
        "`single`: one instance for residents and staff; `internet`: the resident-facing node "
        "of a two-node city (it never calls the LGWAN node); `lgwan`: the staff node, which "
        "pulls from the internet node and serves no resident page (docs/deploy.md)",
        default="single",
        section="Two nodes",
    ),
    Variable(
        "MADOGUCHI_PULL_SOURCES",
        _pull_sources,
        "LGWAN node only: the internet nodes it pulls from, as JSON "
        '`[{"name": "internet", "base_url": "https://relay…", "client_id": "…", '
        '"secret": "…"}]` (a system API client with `read_status`); keep it in a secret file',
        default_text="none",
        section="Two nodes",
        secret=True,
    ),
    Variable(
        "MADOGUCHI_KEYRING_DIR",
        _string,
        "LGWAN node (or wherever applications are opened): the directory of the department "
        "keys' private halves, one passphrase-protected PEM per key (`madoguchi keys generate`; "
        "docs/integration.md)",
        default_text="none",
        section="Two nodes",
    ),
    Variable(
        "MADOGUCHI_KEYRING_PASSPHRASE",
        _string,
        "the passphrase of the keyring's PEM files; keep it in a secret file",
        default_text="none",
        section="Two nodes",
        secret=True,
    ),
    Variable(
        "MADOGUCHI_ESCROW_PASSPHRASE",
        _string,
        "read only by `madoguchi keys escrow` and `keys recover`: the passphrase of the city's "
        "recovery key, instead of asking for it at the prompt",
        default_text="asked at the prompt",
        section="Two nodes",
        secret=True,
    ),
    Variable(
        "MADOGUCHI_FILEDROP_BATCH_MAX",
        _positive_integer,
        "file drops: at most this many applications in one batch; a backlog is written batch "
        "after batch",
        default="1000",
        section="Two nodes",
    ),
    Variable(
        "MADOGUCHI_FILEDROP_ROOTS",
        _paths,
        "file drops: the directories (comma- or colon-separated) under which a drop may write; "
        "a drop's directory must be one of them or inside one (symbolic links resolved). "
        "Empty: directory targets are refused (s3:// buckets are not affected)",
        default_text="none: directory targets refused",
        section="Two nodes",
    ),
    Variable(
        "MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS",
        _networks,
        "webhooks: networks (CIDRs, comma-separated) a webhook may be sent to although they "
        "are loopback, private (RFC 1918, ULA), link-local, shared (100.64.0.0/10) or otherwise "
        "internal, e.g. the city's own receiver `10.20.30.0/24`; every other such address is "
        "refused when the webhook is saved and when it is sent",
        default_text="none: internal addresses refused",
        section="Two nodes",
    ),
    # --- exports --------------------------------------------------------------------------
    Variable(
        "MADOGUCHI_EXPORT_DIRECT_MAX_ROWS",
        _positive_integer,
        "exports with more rows than this run in the background (`madoguchi db_worker`)",
        default="5000",
        section="Exports",
    ),
    Variable(
        "MADOGUCHI_EXPORT_RETENTION_DAYS",
        _positive_integer,
        "export files are deleted this many days after they are ready",
        default="7",
        section="Exports",
    ),
)


_COMPUTED = object()


def env(name: str, fallback: Any = _COMPUTED, *, environ: Mapping[str, str] | None = None) -> Any:
    """The value of the declared variable ``name``, parsed to its type.

    ``fallback`` is returned when the variable is unset or empty, for defaults that are
    computed (paths under ``MADOGUCHI_VAR_DIR``) rather than declared.
    """
    source = os.environ if environ is None else environ
    if fallback is not _COMPUTED and not source.get(name):
        return fallback
    return VARIABLES[name].read(source)


def default_storage(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``STORAGES["default"]``: the S3-compatible bucket when one is named, else local files.

    Objects are private and never overwritten; downloads go through the app's permission
    checks, and the audit compares every object with the SHA-256 recorded for it.
    """
    bucket = env("MADOGUCHI_S3_BUCKET", environ=environ)
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env("MADOGUCHI_S3_ENDPOINT", environ=environ) or None,
            "region_name": env("MADOGUCHI_S3_REGION", environ=environ) or None,
            "addressing_style": env("MADOGUCHI_S3_ADDRESSING_STYLE", environ=environ),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


def markdown_table() -> str:
    """The table of docs/operations.md, one section after another, in declaration order."""
    lines: list[str] = []
    sections: dict[str, list[Variable]] = {}
    for variable in VARIABLES.values():
        sections.setdefault(variable.section, []).append(variable)
    for section, variables in sections.items():
        lines += [f"**{section}**", "", "| variable | meaning | default |", "| --- | --- | --- |"]
        lines += [f"| `{v.name}` | {v.meaning} | {v.shown_default} |" for v in variables]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
