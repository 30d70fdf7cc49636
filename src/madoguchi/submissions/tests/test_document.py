"""The canonical document: same content, same bytes, whatever the order or the script."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from madoguchi.submissions import document as canonical

MOMENT = datetime(2026, 4, 1, 9, 30, 15, 123456, tzinfo=UTC)

# JSON values as answers hold them: text without lone surrogates, safe integers, finite floats.
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_answers = st.dictionaries(_text, _values, max_size=8)


def document(answers: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "municipality": "172065",
        "form": "gentsuki-haisha",
        "form_version": 3,
        "form_version_id": 41,
        "answers": answers,
        "attachments": [],
        "created_at": MOMENT,
    } | overrides
    return canonical.submission_document(**arguments)


@given(_answers)
def test_the_bytes_do_not_depend_on_the_order_of_keys(answers: dict[str, Any]) -> None:
    reversed_answers = dict(reversed(list(answers.items())))

    assert canonical.canonical_bytes(document(answers)) == canonical.canonical_bytes(
        document(reversed_answers)
    )


@given(_answers)
def test_the_bytes_are_a_fixed_point_read_them_back_and_they_come_out_the_same(
    answers: dict[str, Any],
) -> None:
    body = canonical.canonical_bytes(document(answers))

    # Numbers are doubles in JSON: 1.0 and 1 are the same number and are written "1".
    again = canonical.canonical_bytes(json.loads(body, parse_int=float))

    assert again == body
    assert canonical.document_sha256(document(answers)) == hashlib.sha256(body).hexdigest()


@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30))
def test_japanese_and_any_unicode_is_written_as_utf_8_not_escaped(name: str) -> None:
    body = canonical.canonical_bytes(document({"name": name}))

    assert json.loads(body.decode("utf-8"))["answers"]["name"] == name
    if name.isprintable() and '"' not in name and "\\" not in name:
        assert name.encode("utf-8") in body


def test_a_known_document_has_exactly_these_bytes() -> None:
    doc = document(
        {"owner_name": "加賀 太郎", "amount": 1.0, "count": 10, "ratio": 0.1, "big": 1e21},
        attachments=[
            {"field": "b", "name": "z.pdf", "size": 3, "sha256": "AB" * 32},
            {"field": "a", "name": "y.pdf", "size": 2, "sha256": "cd" * 32},
        ],
    )

    body = canonical.canonical_bytes(doc)

    assert body.startswith(b'{"answers":{"amount":1,"big":1e+21,"count":10,"owner_name":"')
    assert '"owner_name":"加賀 太郎","ratio":0.1}'.encode() in body
    assert b'"attachments":[{"field":"a","name":"y.pdf"' in body
    assert b'"sha256":"' + b"ab" * 32 + b'"' in body  # hex is lower case
    assert b'"created_at":"2026-04-01T09:30:15Z"' in body
    assert b'"format":"madoguchi-submission/1"' in body
    assert b" " not in body.replace("加賀 太郎".encode(), b"")


@given(st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_the_same_instant_in_any_time_zone_gives_the_same_document(minutes: int) -> None:
    local = MOMENT.astimezone(timezone(timedelta(minutes=minutes)))

    assert canonical.canonical_bytes(document({}, created_at=local)) == canonical.canonical_bytes(
        document({})
    )


def test_the_document_reads_back_with_its_time() -> None:
    body = canonical.canonical_bytes(document({"a": 1}))

    parsed = canonical.parse_document(body)

    assert canonical.created_at_of(parsed) == MOMENT.replace(microsecond=0)
