"""Pre-registration references and their QR text: read however a clerk or scanner types them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.counter import reference

references = st.text(alphabet=reference.ALPHABET, min_size=8, max_size=8)


def test_a_new_reference_is_eight_characters_of_the_unambiguous_alphabet() -> None:
    drawn = {reference.new() for _ in range(200)}

    assert all(len(r) == 8 and set(r) <= set(reference.ALPHABET) for r in drawn)
    assert len(drawn) == 200
    assert not set("01IO") & set(reference.ALPHABET)


def test_it_is_grouped_by_four_and_the_code_names_its_format() -> None:
    assert reference.grouped("K7QM4XPD") == "K7QM-4XPD"
    assert reference.payload("K7QM4XPD") == "MDC1.K7QM-4XPD"


@given(references)
def test_the_qr_text_reads_back_as_its_reference(ref: str) -> None:
    assert reference.parse(reference.payload(ref)) == ref


@given(references, st.sampled_from(["", "-", " ", "ー", "－", "　"]), st.booleans())
def test_typed_references_read_in_any_case_width_and_grouping(
    ref: str, separator: str, full_width: bool
) -> None:
    typed = f"{ref[:4]}{separator}{ref[4:]}".lower()
    if full_width:
        typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in typed)

    assert reference.parse(f"  {typed}\n") == ref


@given(st.text(max_size=40))
def test_anything_else_is_refused_with_a_clear_code(text: str) -> None:
    try:
        parsed = reference.parse(text)
    except reference.MalformedReference as refused:
        assert refused.code == "counter_reference_malformed"
    else:
        assert len(parsed) == 8 and set(parsed) <= set(reference.ALPHABET)


@pytest.mark.parametrize(
    "text", ["MDG1.M-172065-2026-000123", "K7QM-4XP", "K7QM-4XPD0", "K7QO-4XPD"]
)
def test_mail_codes_and_near_misses_are_refused(text: str) -> None:
    with pytest.raises(reference.MalformedReference):
        reference.parse(text)
