from __future__ import annotations

import base64
import re
import zlib
from typing import Any

import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.mailin import payload
from madoguchi.mailin.payload import (
    HashMismatch,
    MalformedPayload,
    UnknownVersion,
    answers_sha256,
    decode,
    encode,
)
from madoguchi.submissions.document import canonical_bytes

REFERENCE = "M-172065-2026-000123"
ANSWERS = {"name": "加賀 太郎", "kana": "カガ タロウ", "pets": ["犬"], "count": 2, "agree": True}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(max_size=40)
)
answer_sets = st.dictionaries(
    st.text(min_size=1, max_size=12),
    json_scalars | st.lists(json_scalars, max_size=4),
    max_size=12,
)
references = st.builds(
    "M-{:06d}-{:04d}-{:06d}".format,
    st.integers(0, 999999),
    st.integers(2000, 2999),
    st.integers(1, 999999),
)


def pack(answers: dict[str, Any]) -> str:
    return base64.b32encode(zlib.compress(canonical_bytes(answers))).decode().rstrip("=")


def test_small_answers_travel_inside_the_code() -> None:
    text = encode(reference=REFERENCE, answers=ANSWERS)

    assert text.startswith(f"MDG1.{REFERENCE}.{answers_sha256(ANSWERS).upper()}.")
    assert decode(text) == payload.Payload(REFERENCE, answers_sha256(ANSWERS), ANSWERS)


def test_the_text_uses_only_characters_of_the_qr_alphanumeric_mode() -> None:
    text = encode(reference=REFERENCE, answers=ANSWERS)

    assert re.fullmatch(r"[0-9A-Z.\-]+", text)
    assert segno.make(text, error="m").mode == "alphanumeric"


def test_a_scanner_that_adds_enter_or_folds_case_still_reads() -> None:
    text = encode(reference=REFERENCE, answers=ANSWERS)

    assert decode(f"  {text.lower()}\r\n").answers == ANSWERS


def test_answers_that_do_not_fit_fall_back_to_the_reference_and_hash() -> None:
    # Incompressible text: far more than a version-20 code holds.
    bulky = {"notes": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(1500))}

    text = encode(reference=REFERENCE, answers=bulky)

    assert text == f"MDG1.{REFERENCE}.{answers_sha256(bulky).upper()}"
    assert decode(text).answers is None
    assert decode(text).answers_sha256 == answers_sha256(bulky)


def test_the_code_can_be_asked_to_carry_the_reference_only() -> None:
    text = encode(reference=REFERENCE, answers=ANSWERS, with_answers=False)

    assert decode(text) == payload.Payload(REFERENCE, answers_sha256(ANSWERS))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(reference=references, answers=answer_sets)
def test_any_answer_set_round_trips_or_falls_back_to_reference_only(
    reference: str, answers: dict[str, Any]
) -> None:
    text = encode(reference=reference, answers=answers)
    read = decode(text)

    assert read.reference == reference
    assert read.answers_sha256 == answers_sha256(answers)
    if read.answers is None:
        assert text.count(".") == 2
        full = f"{text}.{pack(answers)}"
        assert segno.make(full, error="m", boost_error=False).version > payload.MAX_VERSION
    else:
        assert read.answers == answers
    assert segno.make(text, error="m", boost_error=False).version <= payload.MAX_VERSION


@settings(max_examples=60)
@given(answers=answer_sets, other=answer_sets)
def test_answers_swapped_under_another_hash_are_refused(
    answers: dict[str, Any], other: dict[str, Any]
) -> None:
    if canonical_bytes(answers) == canonical_bytes(other):
        return
    head = f"MDG1.{REFERENCE}.{answers_sha256(answers).upper()}"

    with pytest.raises(HashMismatch) as refused:
        decode(f"{head}.{pack(other)}")
    assert refused.value.code == "mail_payload_hash_mismatch"


def test_a_tampered_answer_is_a_hash_mismatch() -> None:
    tampered = ANSWERS | {"count": 3}
    head = f"MDG1.{REFERENCE}.{answers_sha256(ANSWERS).upper()}"

    with pytest.raises(HashMismatch):
        decode(f"{head}.{pack(tampered)}")


def test_another_version_is_refused_by_its_own_code() -> None:
    text = encode(reference=REFERENCE, answers=ANSWERS).replace("MDG1", "MDG2", 1)

    with pytest.raises(UnknownVersion) as refused:
        decode(text)
    assert refused.value.code == "mail_payload_unknown_version"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://example.org/",
        "MDG1",
        f"MDG1.{REFERENCE}",
        f"MDG1.R-172065-2026-000123.{'A' * 64}",
        f"MDG1.{REFERENCE}.{'G' * 64}",
        f"MDG1.{REFERENCE}.{'A' * 63}",
        f"MDG1.{REFERENCE}.{'A' * 64}.!!!",
        f"MDG1.{REFERENCE}.{'A' * 64}.AAAAAAAA",  # base32, but not zlib
        f"MDG1.{REFERENCE}.{'A' * 64}.AA.AA",
    ],
)
def test_malformed_text_is_refused_with_a_clear_code(text: str) -> None:
    with pytest.raises(MalformedPayload) as refused:
        decode(text)
    assert refused.value.code == "mail_payload_malformed"


def test_answers_that_are_not_an_object_are_malformed() -> None:
    document = b"[1,2]"
    packed = base64.b32encode(zlib.compress(document)).decode().rstrip("=")
    digest = payload.hashlib.sha256(document).hexdigest().upper()

    with pytest.raises(MalformedPayload):
        decode(f"MDG1.{REFERENCE}.{digest}.{packed}")


def test_a_compression_bomb_is_refused_unread() -> None:
    document = b'{"a":"' + b"x" * (payload.MAX_ANSWERS_BYTES + 10) + b'"}'
    packed = base64.b32encode(zlib.compress(document, 9)).decode().rstrip("=")
    digest = payload.hashlib.sha256(document).hexdigest().upper()

    with pytest.raises(MalformedPayload):
        decode(f"MDG1.{REFERENCE}.{digest}.{packed}")


def test_encoding_refuses_a_reference_of_another_shape() -> None:
    with pytest.raises(ValueError):
        encode(reference="172065-2026-000123", answers=ANSWERS)
