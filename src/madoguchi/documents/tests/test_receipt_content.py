"""What the receipt says to the resident, what it hides, and how it is tagged."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.platypus import Flowable, Paragraph, Table

from madoguchi.documents import evidence, masking, pdf, seal, services
from madoguchi.submissions.models import Submission
from madoguchi.testing.factories import SIMPLE_SCHEMA, publish_form, submit_application


def _texts(flowables: list[Any]) -> list[str]:
    """Every paragraph's plain text, in reading order (tables cell by cell)."""
    found: list[str] = []
    for item in flowables:
        if isinstance(item, Paragraph):
            found.append(item.getPlainText())
        elif isinstance(item, Table):
            for row in item._cellvalues:
                for cell in row:
                    found += _texts(cell if isinstance(cell, list) else [cell])
        elif isinstance(item, list):
            found += _texts(item)
        elif isinstance(item, Flowable):
            continue
    return found


def _content(submission: Submission) -> pdf.ReceiptContent:
    pdf.ensure_fonts()
    with translation.override(submission.language or "ja"):
        return services._content(
            submission, evidence.collect(submission), seal.seal_for(submission.municipality)
        )


def _resident_and_auditor_parts(submission: Submission) -> tuple[str, str]:
    with translation.override("ja"):
        texts = _texts(pdf.story(_content(submission)))
    split = texts.index("監査担当者向けの技術情報")
    return "\n".join(texts[:split]), "\n".join(texts[split:])


@pytest.fixture
def bank_form(department: Any) -> Any:
    schema = copy.deepcopy(SIMPLE_SCHEMA)
    schema["steps"][0]["fields"].append(
        {
            "key": "account_number",
            "type": "text",
            "label": {"ja": "口座番号", "en": "Account number"},
            "pattern": "^[0-9]{7}$",
        }
    )
    return publish_form(department=department, slug="bank", schema=schema)


def test_the_receipt_shows_only_the_last_three_digits_of_a_bank_account(bank_form: Any) -> None:
    submission = submit_application(bank_form, account_number="1234567")

    resident, auditors = _resident_and_auditor_parts(submission)

    assert "****567" in resident
    assert "1234567" not in resident + auditors
    # The answer itself is kept whole for staff and for the signed document.
    assert submission.answers["account_number"] == "1234567"


def test_the_residents_part_of_the_receipt_speaks_plainly(submission: Submission) -> None:
    resident, auditors = _resident_and_auditor_parts(submission)

    for jargon in ("監査ログ", "第 ", "SHA-256", "チェックポイント", "madoguchi verify"):
        assert jargon not in resident
    assert "この受付証について" in resident
    assert "監査ログ" in auditors
    assert "/receipts/trust/" in auditors


def test_the_receipt_never_names_the_command_line_verifier(submission: Submission) -> None:
    with translation.override("ja"):
        texts = "\n".join(_texts(pdf.story(_content(submission))))

    assert "madoguchi verify" not in texts


def test_the_receipt_is_a_tagged_pdf_in_japanese_with_its_title_shown(receipt: bytes) -> None:
    root = PdfFileReader(io.BytesIO(receipt)).root

    assert str(root["/Lang"]) == "ja"
    assert root["/MarkInfo"]["/Marked"] is True or bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    document = root["/StructTreeRoot"]["/K"]
    assert str(document["/S"]) == "/Document"
    kids = [kid.get_object() for kid in document["/K"]]
    roles = [str(kid["/S"]) for kid in kids]
    assert roles[0] == "/P"  # the city's name, then the title
    assert roles.index("/H1") < roles.index("/Figure") < roles.index("/H2")
    figure = next(kid for kid in kids if str(kid["/S"]) == "/Figure")
    assert "QR" in str(figure["/Alt"])
    page = root["/Pages"]["/Kids"][0]
    assert int(page["/StructParents"]) == 0
    marked = root["/StructTreeRoot"]["/ParentTree"]["/Nums"][1]
    assert [m.get_object()["/K"] for m in marked] == list(range(len(marked)))


def test_the_receipts_tables_are_tagged_with_row_and_column_headers(receipt: bytes) -> None:
    document = PdfFileReader(io.BytesIO(receipt)).root["/StructTreeRoot"]["/K"]
    tables = [k.get_object() for k in document["/K"] if str(k.get_object()["/S"]) == "/Table"]

    summary = tables[0]
    first_row = summary["/K"][0].get_object()
    label, value = (cell.get_object() for cell in first_row["/K"])
    assert str(first_row["/S"]) == "/TR"
    assert (str(label["/S"]), str(label["/A"]["/Scope"])) == ("/TH", "/Row")
    assert str(value["/S"]) == "/TD"
    assert str(value["/K"][0].get_object()["/S"]) == "/P"
    answers = tables[1]
    title_cell = answers["/K"][0].get_object()["/K"][0].get_object()
    assert (str(title_cell["/S"]), str(title_cell["/A"]["/Scope"])) == ("/TH", "/Column")


def test_the_tagged_content_stream_marks_text_and_decoration(receipt: bytes) -> None:
    page = PdfFileReader(io.BytesIO(receipt)).root["/Pages"]["/Kids"][0].get_object()
    stream = page["/Contents"].data.decode("latin-1")

    assert "/H1 <</MCID" in stream
    assert "/Artifact BMC" in stream
    assert stream.count("BDC") + stream.count("BMC") == stream.count("EMC")


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("account_number", True),
        ("bank_account_number", True),
        ("my_number", True),
        ("card_number", True),
        ("account_type", False),
        ("account_holder", False),
        ("vehicle_number", False),
        ("phone_number", False),
    ],
)
def test_account_and_card_number_fields_are_recognised_by_their_key(key: str, masked: bool) -> None:
    assert masking.is_masked(key) is masked


@given(st.text(alphabet="0123456789０１２３-  ", max_size=20))
def test_a_masked_number_keeps_its_length_and_shows_at_most_its_last_three_digits(
    value: str,
) -> None:
    masked = masking.mask(value)

    assert len(masked) == len(value)
    shown = [c for c in masked if c.isalnum()]
    assert len(shown) <= masking.VISIBLE
    if len([c for c in value if c.isalnum()]) <= masking.VISIBLE:
        assert shown == []
