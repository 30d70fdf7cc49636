"""The 領収書: what it says (read back with pdftotext), the city's seal, who may download it."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from madoguchi.documents import seal
from madoguchi.documents.receipt_report import SEAL, ReceiptReport
from madoguchi.documents.verify_seal import check_seal
from madoguchi.forms.models import FormVersion
from madoguchi.payments import receipt_pdf
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import status_links
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import submit_application

from .resident_fixtures import fee_form, payment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="poppler-utils (scripts/system-packages.sh test)"
    ),
]


@pytest.fixture
def submission(department: Department) -> Submission:
    version: FormVersion = fee_form(department, timing="after_review")
    return submit_application(version, count=2, name="加賀 太郎")


def _text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(out.stdout.split())


def test_the_receipt_names_payer_sum_purpose_lines_tax_and_dates(
    submission: Submission, tmp_path: Path
) -> None:
    made = payment(submission, PaymentStatus.PAID, provider_reference="pi_test_123")

    text = _text(receipt_pdf.receipt_pdf(made), tmp_path)

    assert "領収書" in text and made.receipt_serial in text
    assert "加賀 太郎 様" in text
    assert "金 1,150 円也" in text
    assert "但し テスト申請 手数料として" in text
    assert "上記正に領収いたしました。" in text
    assert "証明書の写し" in text and "300円 × 2" in text and "600円" in text
    assert "非課税" in text and "10%対象" in text
    assert "内消費税 50円" in text
    assert "令和" in text and "年" in text and str(made.paid_at.year) + "年" in text
    assert "クレジットカード" in text and "pi_test_123" in text
    assert submission.receipt_number in text
    assert submission.municipality.name in text
    assert "返金済" not in text


def test_the_receipt_is_sealed_by_the_city_and_the_seal_verifies(
    submission: Submission,
) -> None:
    data = receipt_pdf.receipt_pdf(payment(submission, PaymentStatus.PAID))
    report = ReceiptReport()

    check_seal(report, data, PdfFileReader(io.BytesIO(data)), seal.seal_roots())

    assert [c.ok for c in report.checks if c.name == SEAL] == [True], report.failures
    assert not report.failures
    assert "公印" in report.sealed_by


def test_a_changed_byte_breaks_the_seal(submission: Submission) -> None:
    data = bytearray(receipt_pdf.receipt_pdf(payment(submission, PaymentStatus.PAID)))
    at = data.index(b"/Title")
    data[at + 1] = ord("X")
    report = ReceiptReport()

    check_seal(report, bytes(data), PdfFileReader(io.BytesIO(bytes(data))), seal.seal_roots())

    assert report.failures


def test_a_refunded_payment_s_receipt_is_marked_refunded(
    submission: Submission, tmp_path: Path
) -> None:
    made = payment(submission, PaymentStatus.REFUNDED)

    text = _text(receipt_pdf.receipt_pdf(made), tmp_path)

    assert "返金済" in text and "返金" in text and made.receipt_serial in text


def test_the_receipt_is_in_english_for_an_english_application(
    department: Department, tmp_path: Path
) -> None:
    version = fee_form(department, timing="after_review")
    english = submit_application(version, language="en", count=2, name="Kaga Taro")

    text = _text(receipt_pdf.receipt_pdf(payment(english, PaymentStatus.PAID)), tmp_path)

    assert "Payment receipt" in text and "The sum of 1,150 yen" in text
    assert "Kaga Taro" in text and "Not taxable" in text and "10% rate" in text


def test_the_status_link_downloads_the_receipt_of_a_paid_fee_only(
    submission: Submission,
) -> None:
    paid = payment(submission, PaymentStatus.PAID)
    token = status_links.issue(submission)
    url = reverse("payments:receipt", args=[token, paid.public_id])

    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert paid.receipt_serial in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get(
        "Cache-Control", ""
    )


@pytest.mark.parametrize(
    "status", [PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.EXPIRED]
)
def test_there_is_no_receipt_before_the_fee_is_paid(submission: Submission, status: str) -> None:
    made = payment(submission, status)
    token = status_links.issue(submission)

    response = Client().get(reverse("payments:receipt", args=[token, made.public_id]))

    assert response.status_code == 404
    with pytest.raises(ValueError, match="has no receipt"):
        receipt_pdf.receipt_pdf(made)


def test_another_application_s_link_or_a_wrong_link_does_not_open_the_receipt(
    submission: Submission, department: Department
) -> None:
    paid = payment(submission, PaymentStatus.PAID)
    other = submit_application(fee_form(department, timing="after_review", slug="other"))
    other_token = status_links.issue(other)

    wrong_link = Client().get(reverse("payments:receipt", args=["nope", paid.public_id]))
    other_link = Client().get(reverse("payments:receipt", args=[other_token, paid.public_id]))

    assert wrong_link.status_code == 404
    assert other_link.status_code == 404
