"""Form files from outside: alias bombs, deep nesting, odd YAML values are refused with a reason."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.forms.builder import services
from madoguchi.forms.files import (
    MAX_FILE_BYTES,
    NOT_JSON_VALUES,
    TOO_BIG_EXPANDED,
    TOO_DEEP,
    TOO_LARGE,
    TOO_MANY_ALIASES,
    FormFileRefused,
    parse_form_file,
)
from madoguchi.forms.models import FormDraft
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.tenants.models import Department, StaffMember

DEMO_FORMS = sorted((Path(__file__).resolve().parents[2] / "demo" / "forms").glob("*.yaml"))


def laughs(levels: int, width: int) -> bytes:
    """A "billion laughs" file: each level repeats the one before ``width`` times."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        items = ",".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{items}]")
    lines.append(f"schema: {{steps: *a{levels}}}")
    return ("\n".join(lines) + "\n").encode()


# 9 levels of 9: about 449 bytes that expand to 387 million strings.
BOMB = laughs(9, 9)
# Few aliases (48), still 8^6 = 262,144 values once expanded.
FEW_ALIASES_BIG_EXPANSION = laughs(6, 8)


def refusal(content: bytes) -> str:
    with pytest.raises(FormFileRefused) as refused:
        parse_form_file(content)
    return refused.value.message


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    assert len(BOMB) < 500

    assert refusal(BOMB) == TOO_MANY_ALIASES


def test_few_aliases_that_expand_to_a_huge_document_are_refused() -> None:
    assert refusal(FEW_ALIASES_BIG_EXPANSION) == TOO_BIG_EXPANDED


def test_a_few_anchors_for_repeated_options_are_fine() -> None:
    content = """
options: &yes_no [{value: "yes", label: はい}, {value: "no", label: いいえ}]
schema:
  steps:
    - {key: a, fields: [{key: q1, type: choice, options: *yes_no}]}
    - {key: b, fields: [{key: q2, type: choice, options: *yes_no}]}
"""
    data = parse_form_file(content.encode())

    assert data["schema"]["steps"][1]["fields"][0]["options"][0]["value"] == "yes"


@pytest.mark.parametrize(
    "content", [b"a: " + b"[" * 5000 + b"]" * 5000, b"[" * 100_000 + b"]" * 100_000]
)
def test_deep_nesting_is_refused_in_yaml_and_json(content: bytes) -> None:
    assert refusal(content) == TOO_DEEP
    with pytest.raises(FormFileRefused):
        parse_form_file(content.removeprefix(b"a: "), json_only=True)


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    assert refusal(b"#" * (MAX_FILE_BYTES + 1)) == TOO_LARGE


@pytest.mark.parametrize(
    "content",
    [
        b"a: !!binary aGVsbG8=",
        b"a: !!set {x, y}",
        b"a: .nan",
        b"a: -.inf",
        b"{1: x}",
        b"? [a]\n: b",
    ],
)
def test_values_json_cannot_hold_are_refused(content: bytes) -> None:
    assert refusal(content) in (
        NOT_JSON_VALUES,
        "The file is not a form file (JSON or YAML in UTF-8).",
    )


def test_dates_written_without_quotes_stay_text() -> None:
    assert parse_form_file(b"min_date: 2025-04-01") == {"min_date": "2025-04-01"}


@pytest.mark.parametrize("content", [b'label: "\\0"', b'label: "\\x1b[31m"', b'{"k\\u0000": 1}'])
def test_control_characters_written_as_escapes_are_refused(content: bytes) -> None:
    with pytest.raises(InvalidJapaneseInput):
        parse_form_file(content)


@pytest.mark.parametrize("path", DEMO_FORMS, ids=lambda p: p.name)
def test_every_demo_form_is_within_the_limits(path: Path) -> None:
    assert parse_form_file(path.read_bytes())["slug"]


@settings(max_examples=300)
@given(
    st.binary(max_size=300) | st.text(alphabet="[]{}&*ab:- ,\n'\"!", max_size=200).map(str.encode)
)
def test_any_bytes_parse_or_are_refused_with_a_reason(content: bytes) -> None:
    with contextlib.suppress(FormFileRefused, InvalidJapaneseInput):
        parse_form_file(content)


# --- the two doors ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_builder_refuses_an_alias_bomb_and_creates_no_draft(
    staff: StaffMember, department: Department
) -> None:
    with pytest.raises(services.BuilderRefused) as refused:
        services.import_file(staff=staff, department=department, content=BOMB, slug="bomb")

    assert str(refused.value) == TOO_MANY_ALIASES
    assert not FormDraft.objects.exists()


@pytest.mark.django_db
def test_the_import_command_refuses_an_alias_bomb(tmp_path: Path, department: Department) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_bytes(
        f"municipality: '{department.municipality.lg_code}'\ndepartment: {department.code}\n"
        f"slug: bomb\n".encode()
        + BOMB
    )

    with pytest.raises(CommandError, match="aliases"):
        call_command("forms", "import", str(bomb))


@pytest.mark.django_db
def test_the_import_command_refuses_a_json_file_nested_too_deep(
    tmp_path: Path, department: Department
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(json.dumps({"schema": {}}).replace("{}", "[" * 3000 + "]" * 3000))

    with pytest.raises(CommandError, match="nested deeper"):
        call_command("forms", "import", str(deep))
