from __future__ import annotations

import logging
import string
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.logging import PersonalDataFilter, is_secret_parameter, redact

TOKEN = "GhQjC3-Q25XU2_JpgPSeb3buUhLOKug6"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("mail to taro@example.jp failed", "mail to [email] failed"),
        ("call 0761-72-1111 now", "call [phone] now"),
        ("call 09012345678", "call [phone]"),
        ("call +81 90-1234-5678", "call [phone]"),
        # Identifiers that merely contain a zero and digits are not phone numbers.
        ("client RP00000001 registered", "client RP00000001 registered"),
        ("receipt 172065-2026-000123", "receipt 172065-2026-000123"),
        (f"GET /apply/{TOKEN}/step/1/", "GET /apply/[token]/step/1/"),
        (f'"GET /correct/{TOKEN}/ HTTP/1.1" 200', '"GET /correct/[token]/ HTTP/1.1" 200'),
        (f"Not Found: /correct/{TOKEN}", "Not Found: /correct/[token]"),
        (f"/staff/login/?next=%2Fapply%2F{TOKEN}%2Freview%2F", None),
        ("GET /staff/?q=%E7%94%B0%E4%B8%AD&status=new", "GET /staff/?q=[redacted]&status=new"),
        ("GET /staff/?status=new&q=tanaka", "GET /staff/?status=new&q=[redacted]"),
        (
            "/identity/callback/?state=abc&code=xyz",
            "/identity/callback/?state=[redacted]&code=[redacted]",
        ),
    ],
)
def test_personal_data_and_secrets_are_redacted_from_log_lines(
    line: str, expected: str | None
) -> None:
    redacted = redact(line)

    assert TOKEN not in redacted
    if expected is not None:
        assert redacted == expected


def test_receipt_numbers_and_ids_stay_readable() -> None:
    line = "confirmation email failed for 172065-2026-000001 (submission 1234567)"

    assert redact(line) == line


def test_the_filter_redacts_arguments_as_well_as_the_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", ("taro@example.jp",), None)

    PersonalDataFilter().filter(record)

    assert record.getMessage() == "to [email]"


def test_the_filter_redacts_objects_and_named_arguments_too() -> None:
    class Request:
        def __str__(self) -> str:
            return f"<WSGIRequest: GET '/correct/{TOKEN}/'>"

    positional = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (Request(),), None)
    named = logging.LogRecord("x", logging.INFO, __file__, 1, "%(path)s", (), None)
    named.args = {"path": f"/apply/{TOKEN}/review/"}

    PersonalDataFilter().filter(positional)
    PersonalDataFilter().filter(named)

    assert positional.getMessage() == "<WSGIRequest: GET '/correct/[token]/'>"
    assert named.getMessage() == "/apply/[token]/review/"


def test_runserver_access_lines_pass_through_the_filter() -> None:
    """django.server has its own handler; it must redact like every other one."""
    handlers = [
        h
        for h in logging.getLogger("django.server").handlers
        if not type(h).__module__.startswith("_pytest")  # pytest's log capture
    ]

    assert handlers
    assert all(any(isinstance(f, PersonalDataFilter) for f in h.filters) for h in handlers)


# --- every route that takes a token, read from the URLconf ------------------------------------

# Parameters that are not secrets. A new parameter must be added here or be named *token,
# so that nobody adds a secret to a URL without deciding whether logs may show it.
PUBLIC_PARAMETERS = {
    "application_id",  # a counter visit's application (staff pages, department-scoped)
    "booking_id",  # a visit booking (staff pages, department-scoped)
    "code",  # postal code
    "counter_id",  # a reservation counter (public: its calendar is public)
    "day",  # a reservation day, YYYY-MM-DD
    "field_key",
    "form_id",
    "lg_code",
    "name",  # CRL file name (devidp)
    "number",
    "pk",
    "procedure",  # a guide procedure key (public, from the published guide)
    "event",  # a guide button: online, mail, counter or external
    "profile_id",
    "public_id",  # needs the resident's session or shows only a public receipt reference
    "receipt_number",
    "slug",
    "step_key",
    "visit_id",  # a counter visit (staff pages, department-scoped)
    "transaction_id",  # devidp simulator, development and tests only
    "ticket_id",  # a waiting number (staff pages, department-scoped)
    "key",  # a question or procedure key in the guide builder (staff, administrators)
    "provider",  # a payment provider's name (the webhook URL)
    "account",  # the LG code of a city's payment account (the webhook URL)
    "session_id",  # a checkout session of the payment simulator, development and tests only
    "id",  # an application's public id in the system API (Bearer, its departments only)
    "secret_id",  # a system client's secret row (city admins; the secret is never in a URL)
}
SAMPLE_VALUES: dict[str, Any] = {"int": 1, "uuid": uuid.UUID(int=7), "slug": "a-form"}


def _patterns(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def _parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def _token_urls(token: str) -> list[str]:
    urls = []
    for name, pattern in _patterns(get_resolver().url_patterns):
        parameters = _parameters(pattern)
        if not any(is_secret_parameter(p) for p in parameters):
            continue
        assert isinstance(pattern.pattern, RoutePattern), f"{name}: use path(), not re_path()"
        converters = pattern.pattern.converters
        kwargs = {
            p: token
            if is_secret_parameter(p)
            else SAMPLE_VALUES.get(
                type(converters[p]).__name__.removesuffix("Converter").lower(), "x"
            )
            for p in parameters
        }
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def test_every_url_parameter_is_either_public_or_a_token() -> None:
    names = {
        p for _, pattern in _patterns(get_resolver().url_patterns) for p in _parameters(pattern)
    }

    assert {n for n in names if not is_secret_parameter(n)} <= PUBLIC_PARAMETERS


def test_every_route_that_takes_a_token_is_redacted_in_every_form_a_log_shows_it() -> None:
    urls = _token_urls(TOKEN)

    assert {u.split("/")[1] for u in urls} >= {"apply", "correct"}
    for url in urls:
        for line in [
            f'"GET {url}?page=2 HTTP/1.1" 200 512',
            f"Not Found: {url}",
            f"/staff/login/?next={quote(url, safe='')}",
            f"https://apply.city.example.lg.jp{url}",
        ]:
            assert TOKEN not in redact(line), line


TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


@given(
    token=st.text(TOKEN_ALPHABET, min_size=16, max_size=64),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    encoded=st.booleans(),
    route=st.integers(min_value=0),
)
def test_redaction_never_lets_a_token_through(
    token: str, before: str, after: str, encoded: bool, route: int
) -> None:
    urls = _token_urls(token)
    url = urls[route % len(urls)]
    line = before + (quote(url, safe="") if encoded else url) + after

    redacted = redact(line)

    assert token not in redacted or token in before + after


# The cost of redaction against the length of the line (a quadratic e-mail pattern once took
# 8.6 s on a 60 kB URL) is measured by `make bench` (bench/redact_bench.py), beside a linear
# scan of the same lines: a timed unit test fails when the machine is busy, not when the code is.
