"""Settings from the environment: one typed reader, and the docs generated from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.management.commands.settings_table import END, START, replace_table
from madoguchi.settings.environment import VARIABLES, env, markdown_table

SETTINGS_DIR = Path(__file__).resolve().parents[1]
REPO = SETTINGS_DIR.parents[2]


def test_the_documented_table_is_the_generated_one() -> None:
    operations = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")

    assert replace_table(operations, markdown_table()) == operations, (
        "run `madoguchi settings_table --write docs/operations.md`"
    )
    assert START in operations and END in operations


def test_no_settings_module_reads_the_environment_but_the_reader() -> None:
    offenders = []
    for module in SETTINGS_DIR.glob("*.py"):
        if module.name == "environment.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                offenders.append(f"{module.name}:{node.lineno}")

    assert not offenders, f"read these through settings.environment.env(): {offenders}"


def test_every_setting_the_docs_name_exists() -> None:
    """A variable or setting named in the docs is declared or is a Django setting."""
    named: set[str] = set()
    for document in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        named |= set(re.findall(r"\bMADOGUCHI_[A-Z0-9_]*[A-Z0-9]\b", document.read_text("utf-8")))
    # Test-only variables (the suite's own services) are documented for developers.
    test_only = {"MADOGUCHI_TEST_REDIS_URL"}

    unknown = {
        name for name in named - test_only if name not in VARIABLES and not hasattr(settings, name)
    }

    assert not unknown, f"the docs promise settings nothing reads: {sorted(unknown)}"


def test_the_trust_settings_the_docs_promise_are_read_from_the_environment() -> None:
    environ = {
        "MADOGUCHI_JPKI_TRUST_ROOTS": "/etc/jlis/sign-ca.pem,/etc/jlis/sign-ca-2.pem",
        "MADOGUCHI_JPKI_CRL_SOURCE": "madoguchi.signatures.revocation.default_crls",
        "MADOGUCHI_PDF_FONTS": "gothic=/fonts/g.ttf,mincho=/fonts/m.ttf",
        "MADOGUCHI_EXPORT_RETENTION_DAYS": "30",
    }

    assert env("MADOGUCHI_JPKI_TRUST_ROOTS", environ=environ) == [
        "/etc/jlis/sign-ca.pem",
        "/etc/jlis/sign-ca-2.pem",
    ]
    assert env("MADOGUCHI_JPKI_CRL_SOURCE", environ=environ).endswith("default_crls")
    assert env("MADOGUCHI_PDF_FONTS", environ=environ) == {
        "gothic": "/fonts/g.ttf",
        "mincho": "/fonts/m.ttf",
    }
    assert env("MADOGUCHI_EXPORT_RETENTION_DAYS", environ=environ) == 30


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MADOGUCHI_EMAIL_PORT", "twenty-five", "a whole number"),
        ("MADOGUCHI_EXPORT_RETENTION_DAYS", "0", "at least 1"),
        ("MADOGUCHI_SSL_REDIRECT", "maybe", "1 or 0"),
        ("MADOGUCHI_TSA_URL", "tsa.example.jp", "http"),
        ("MADOGUCHI_PDF_FONTS", "gothic", "gothic=/path"),
    ],
)
def test_a_value_that_does_not_parse_stops_the_start_naming_the_variable(
    name: str, value: str, expected: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        env(name, environ={name: value})

    assert name in str(raised.value)
    assert expected in str(raised.value)


def test_an_empty_variable_counts_as_unset() -> None:
    assert env("MADOGUCHI_SSL_REDIRECT", environ={"MADOGUCHI_SSL_REDIRECT": ""}) is True
    assert env("MADOGUCHI_VAR_DIR", Path("/fallback"), environ={"MADOGUCHI_VAR_DIR": ""}) == Path(
        "/fallback"
    )


@given(st.text())
def test_every_variable_either_parses_or_says_what_it_expects(raw: str) -> None:
    for name in VARIABLES:
        try:
            env(name, environ={name: raw})
        except ImproperlyConfigured as error:
            assert "expected" in str(error)
