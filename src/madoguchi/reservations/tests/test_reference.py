"""Booking numbers and their QR text (MDR1): read however a scanner or a clerk types them."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.counter import reference as counter_reference
from madoguchi.reservations import reference
from madoguchi.reservations.reference import MalformedBookingReference, ScanKind, Scanned

references = st.text(alphabet=counter_reference.ALPHABET, min_size=8, max_size=8)


def test_the_code_names_its_format_and_holds_the_grouped_number_only() -> None:
    assert reference.payload("K7QM4XPD") == "MDR1.K7QM-4XPD"
    assert reference.grouped("K7QM4XPD") == "K7QM-4XPD"
    assert len(reference.new()) == 8 and set(reference.new()) <= set(counter_reference.ALPHABET)


@given(references)
def test_the_booking_code_reads_back_as_a_booking_number(ref: str) -> None:
    assert reference.parse(reference.payload(ref)) == Scanned(ScanKind.BOOKING, ref)


@given(references)
def test_the_pre_registration_code_reads_as_a_pre_registration_number(ref: str) -> None:
    scanned = reference.parse(counter_reference.payload(ref))

    assert scanned == Scanned(ScanKind.PREREGISTRATION, ref)


@given(
    references,
    st.sampled_from(["", "-", " ", "ー", "－", "　", "‐"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_a_typed_number_reads_in_any_case_width_and_grouping(
    ref: str, separator: str, lower: bool, full_width: bool, with_prefix: bool
) -> None:
    typed = f"{ref[:4]}{separator}{ref[4:]}"
    if with_prefix:
        typed = "MDR1." + typed
    if lower:
        typed = typed.lower()
    if full_width:
        typed = jaconv.h2z(typed, kana=False, ascii=True, digit=True)

    scanned = reference.parse(f"  {typed}\n")

    assert scanned.reference == ref
    assert scanned.kind == (ScanKind.BOOKING if with_prefix else ScanKind.EITHER)


@given(st.text(max_size=30))
def test_any_text_is_either_a_number_or_refused_with_its_code(text: str) -> None:
    try:
        scanned = reference.parse(text)
    except MalformedBookingReference as refused:
        assert refused.code == "reservation_reference_malformed"
    else:
        assert len(scanned.reference) == 8
        assert set(scanned.reference) <= set(counter_reference.ALPHABET)


@pytest.mark.parametrize(
    "text",
    ["", "K7QM-4XP", "K7QM-4XPDX", "K7QM-4XP0", "MDG1.K7QM-4XPD", "MDR2.K7QM-4XPD", "OIOI-OIOI"],
)
def test_what_is_not_a_booking_number_is_refused(text: str) -> None:
    with pytest.raises(MalformedBookingReference):
        reference.parse(text)
