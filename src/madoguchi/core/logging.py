"""Keep personal data and secrets out of logs.

Answers, names and addresses never belong in a log line. Code logs identifiers
(receipt numbers, pseudonyms); this filter is the safety net for what slips through,
such as Django's request logging echoing a path or a query string.

Secrets in URLs are found two ways:

- path segments that a URL pattern takes as a token (a parameter named ``token`` or
  ``*_token``, e.g. resume and correction links): the list is read from the URLconf, so
  a new route with a token is redacted without anyone remembering to add it here;
- query parameters that carry secrets or search terms (``q`` of the staff search, OIDC
  ``code``/``state``, anything named ``*token``).

Every pattern is linear in the length of the line: a match can only start at a literal
(``@`` runs, ``/``, ``?``/``&``) or at the beginning of a run, and nothing backtracks, so a
long hostile URL costs microseconds per kilobyte, not seconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

# Starts only where a run of address characters starts (the look-behind), and possessive
# quantifiers never give back: one pass over each run.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++\.[\w.-]++")
# Bounded by non-digits so receipt numbers (172065-2026-000001) and ids stay readable.
_PHONE = re.compile(r"(?<![\w-])(?:\+81[- ]?|0)\d{1,4}-?\d{1,4}-?\d{3,4}(?![\d-])")


def _phone_or_identifier(match: re.Match[str]) -> str:
    """Japanese numbers have 10 or 11 digits with the leading 0 (9 or 10 after +81)."""
    digits = sum(c.isdigit() for c in match.group())
    national = digits - 2 + 1 if match.group().startswith("+81") else digits
    return "[phone]" if national in (10, 11) else match.group()


# Query parameters whose values are secrets or what staff searched for.
_SECRET_QUERY = re.compile(
    r"(?i)((?:[?&]|%3F|%26)(?:q|code|state|nonce|session_state|password|[a-z_]*token)(?:=|%3D))"
    r"[^&\s#\"'<>]*+"
)
# A token stops at the next path, query or fragment separator (or an encoded one).
_TOKEN_VALUE = r"[^/?#&%\s\"'<>]++"  # noqa: S105 (a pattern, not a password)
_SLASH = r"(?:/|%2[Ff])"
# Used until the URLconf can be read (log lines emitted while Django starts).
_FALLBACK_PREFIXES = ("apply/", "correct/")


def is_secret_parameter(name: str) -> bool:
    """Whether a URL pattern's parameter carries a secret that must never be logged."""
    return name == "token" or name.endswith("_token")


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue  # regex patterns: the URLconf test checks none carries a token
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def token_route_prefixes() -> list[str]:
    """The route up to its first secret parameter, for every route that takes one."""
    prefixes = set()
    for route in _routes(get_resolver().url_patterns):
        for match in re.finditer(r"<(?:\w+:)?(\w+)>", route):
            if is_secret_parameter(match.group(1)):
                prefixes.add(route[: match.start()])
                break
    return sorted(prefixes)


def _prefix_regex(prefix: str) -> str:
    """A route prefix (``mypage/<str:lg_code>/x/``) as a regex; other parameters match a segment."""
    parts = re.split(r"<(?:\w+:)?\w+>", prefix)
    return "[^/?#&%\\s]+".join(re.escape(part).replace("/", _SLASH) for part in parts)


@lru_cache(maxsize=1)
def _token_paths() -> re.Pattern[str]:
    return _compile(token_route_prefixes())


def _compile(prefixes: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(_prefix_regex(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(f"(?i)({_SLASH}(?:{alternatives}))(?-i:{_TOKEN_VALUE})")


_FALLBACK_TOKEN_PATHS = _compile(_FALLBACK_PREFIXES)


def _token_path_pattern() -> re.Pattern[str]:
    try:
        return _token_paths()
    except Exception:  # the URLconf is not importable yet (apps loading): the known routes
        return _FALLBACK_TOKEN_PATHS


def redact(text: str) -> str:
    text = _token_path_pattern().sub(r"\1[token]", text)
    text = _SECRET_QUERY.sub(r"\1[redacted]", text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub(_phone_or_identifier, text)


class PersonalDataFilter(logging.Filter):
    """Redacts the whole formatted message, whatever the arguments were (str, objects, dict)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let logging report it as usual
            return True
        record.msg = redact(message)
        record.args = None
        return True
