"""THE test of end-to-end encryption: with it on, the internet node's database and files hold
none of an application's answers, nor its attachment's bytes.

Every table is read whole (SQLite: ``iterdump``; PostgreSQL: every text, JSON and bytea
column of every table), and every file under MEDIA_ROOT. A clear application of another form
is submitted beside the sealed one, to show the search finds what is there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import key_services, sealing
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

from .test_sealing import FILE_SCHEMA, register_keys, submit_with_file

pytestmark = pytest.mark.django_db


def _forms(text: str) -> list[bytes]:
    """How a string can sit in a table or file: UTF-8, JSON-escaped (Django's JSONField on
    SQLite writes \\uXXXX), and hex (a dump of a blob)."""
    escaped = json.dumps(text)[1:-1]
    raw = text.encode("utf-8")
    return [raw, escaped.encode("ascii"), raw.hex().encode(), raw.hex().upper().encode()]


def _database_text() -> Iterator[bytes]:
    if connection.vendor == "sqlite":
        for line in connection.connection.iterdump():
            yield line.encode("utf-8")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN "
            "('text', 'character varying', 'json', 'jsonb', 'bytea', 'character')"
        )
        columns = cursor.fetchall()
        for table, column in columns:
            cursor.execute(f'SELECT "{column}" FROM "{table}"')  # noqa: S608
            for (value,) in cursor.fetchall():
                yield _as_bytes(value)


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, memoryview | bytes):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _media_files() -> Iterator[bytes]:
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            yield path.read_bytes()


def _found(needles: dict[str, list[bytes]], haystacks: Iterator[bytes]) -> set[str]:
    found: set[str] = set()
    for haystack in haystacks:
        for name, forms in needles.items():
            if name not in found and any(form in haystack for form in forms):
                found.add(name)
    return found


@pytest.fixture
def two_forms(department: Department) -> tuple[FormVersion, FormVersion]:
    register_keys(department)
    sealed = publish_form(department=department, slug="sealed", schema=FILE_SCHEMA)
    clear = publish_form(department=department, slug="clear", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=sealed.form, enabled=True)
    return sealed, clear


def test_with_encryption_on_no_table_and_no_file_holds_the_answers_or_the_attachment(
    two_forms: tuple[FormVersion, FormVersion], django_capture_on_commit_callbacks: Any
) -> None:
    sealed_form, clear_form = two_forms
    secret_scan = pdf_bytes("ZEBRA-SECRET-SCAN-8841 insurance card")
    clear_scan = pdf_bytes("OKAPI-CLEAR-SCAN-3310 insurance card")
    with django_capture_on_commit_callbacks(execute=True):
        sealed = submit_with_file(
            sealed_form,
            name="秘匿 暗号子",
            note="ZEBRA-NOTE-7731 生活保護の事情",
            file=secret_scan,
            filename="zebra-秘匿-passport.pdf",
        )
        clear = submit_with_file(
            clear_form,
            name="公開 平文子",
            note="OKAPI-NOTE-5520 公開の事情",
            file=clear_scan,
            filename="okapi-公開-passport.pdf",
        )
    secret = {
        "name": _forms("秘匿 暗号子"),
        "name without space": _forms("秘匿暗号子"),
        "note": _forms("ZEBRA-NOTE-7731"),
        "note in Japanese": _forms("生活保護の事情"),
        "file name": _forms("zebra-秘匿-passport"),
        "file bytes": [secret_scan],
    }
    control = {
        "name": _forms("公開 平文子"),
        "note": _forms("OKAPI-NOTE-5520"),
        "file name": _forms("okapi-公開-passport"),
        "file bytes": [clear_scan],
    }

    in_database = _found(secret, _database_text())
    in_files = _found(secret, _media_files())

    assert sealing.is_sealed(sealed) and not sealing.is_sealed(clear)
    assert in_database == set(), (
        f"clear text of a sealed application in the database: {in_database}"
    )
    assert in_files == set(), f"clear text of a sealed application in MEDIA_ROOT: {in_files}"
    # The search does find what is stored in clear (the control application).
    assert _found(control, _database_text()) == {"name", "note", "file name"}
    assert _found(control, _media_files()) == {"file bytes"}
