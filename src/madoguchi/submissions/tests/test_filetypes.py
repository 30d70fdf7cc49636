"""The type check reads hostile bytes without failing: a verdict, never an exception."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.submissions import filetypes
from madoguchi.testing.files import jpeg_bytes, pdf_bytes, png_bytes

ACCEPTED = ["application/pdf", "image/jpeg", "image/png"]
MAGICS = st.sampled_from([m for ms in filetypes.MAGIC.values() for m in ms])
VALID = st.sampled_from([pdf_bytes(), png_bytes(), jpeg_bytes()])


@settings(max_examples=150, deadline=None)
@given(magic=MAGICS, rest=st.binary(max_size=2048))
def test_bytes_behind_a_magic_number_get_a_verdict_never_an_exception(
    magic: bytes, rest: bytes
) -> None:
    verdict, content_type = filetypes.detect(io.BytesIO(magic + rest), ACCEPTED)

    assert verdict in {filetypes.Verdict.OK, filetypes.Verdict.DAMAGED}
    assert content_type is not None and magic in filetypes.MAGIC[content_type]


@settings(max_examples=150, deadline=None)
@given(data=VALID, cut=st.integers(min_value=1, max_value=400), flip=st.integers(0, 255))
def test_a_valid_file_cut_short_or_with_a_byte_changed_never_breaks_the_check(
    data: bytes, cut: int, flip: int
) -> None:
    damaged = bytearray(data[: max(16, len(data) - cut)])
    damaged[len(damaged) // 2] ^= flip

    verdict, _type = filetypes.detect(io.BytesIO(bytes(damaged)), ACCEPTED)

    assert verdict in {filetypes.Verdict.OK, filetypes.Verdict.DAMAGED}


@given(data=st.binary(max_size=64).filter(lambda b: filetypes.sniff(b, ACCEPTED) is None))
def test_bytes_without_an_accepted_magic_number_are_the_wrong_type(data: bytes) -> None:
    assert filetypes.detect(io.BytesIO(data), ACCEPTED) == (filetypes.Verdict.WRONG_TYPE, None)


def test_a_cut_file_of_each_type_is_damaged() -> None:
    for data in (pdf_bytes(), png_bytes(), jpeg_bytes()):
        assert filetypes.detect(io.BytesIO(data[:-40]), ACCEPTED)[0] is filetypes.Verdict.DAMAGED
