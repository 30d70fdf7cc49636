"""差し戻し of a signed application: the resident signs the corrected answers again."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

from madoguchi.documents import seal
from madoguchi.documents import services as document_services
from madoguchi.documents.verify import verify_receipt
from madoguchi.forms.models import FormVersion
from madoguchi.ledger import checkpoint
from madoguchi.signatures import selectors, services
from madoguchi.signatures.models import SignatureEvidence
from madoguchi.submissions import integrity, workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.testing.factories import StaffFactory

from .live import fill_in_with_card, go, sign


def _signed_and_returned(browser: Client, version: FormVersion) -> str:
    token = fill_in_with_card(browser)
    go(browser, go(browser, sign(browser, token)))
    submission = Submission.objects.get()
    staff = StaffFactory(municipality=submission.municipality, departments=[submission.department])
    _correction, link_token = workflow.return_for_correction(
        submission=submission, staff=staff, reason="電話番号が不通です。", fields=["phone"]
    )
    return link_token


def _sign_correction(
    browser: Client,
    link_token: str,
    *,
    resident: str = "kaga-taro",
    pin: str = "KAGA1975",
) -> Any:
    out = browser.post(
        reverse("submissions:correction", args=[link_token]), {"phone": "0761-72-2222"}
    )
    assert out.status_code == 302, out.content[:2000]
    card_page = go(browser, out)
    assert card_page.status_code == 200
    location = urlsplit(out["Location"])
    back = browser.post(
        f"{location.path}?{location.query}", {"resident": resident, "pin": pin, "action": "sign"}
    )
    return go(browser, back)


def test_a_corrected_signed_application_is_signed_again_and_everything_verifies(
    version: FormVersion,
    browser: Client,
) -> None:
    link_token = _signed_and_returned(browser, version)
    first = Submission.objects.get().document_sha256

    page = _sign_correction(browser, link_token)

    assert page.status_code == 302 and "/done/" in page["Location"]
    submission = Submission.objects.get()
    assert submission.status == Status.RESUBMITTED
    assert submission.answers["phone"] == "0761-72-2222"
    assert submission.document_sha256 != first
    evidences = SignatureEvidence.objects.filter(submission=submission).order_by("id")
    assert [e.document_sha256 for e in evidences] == [first, submission.document_sha256]
    assert services.reverify(submission).document_sha256 == submission.document_sha256
    assert integrity.submission_problems(submission) == []
    report = verify_receipt(
        document_services.receipt_pdf(submission),
        seal_roots=seal.seal_roots(),
        ledger_key_text=checkpoint.public_key_text(),
        jpki_roots=selectors.jpki_trust_roots(),
    )
    assert report.ok, report.failures
    assert {c.name: c.ok for c in report.checks}["signature"] is True


def test_another_persons_card_cannot_sign_the_correction(
    version: FormVersion,
    browser: Client,
) -> None:
    link_token = _signed_and_returned(browser, version)
    first = Submission.objects.get().document_sha256

    page = _sign_correction(browser, link_token, resident="kaga-yoshida", pin="HANAKO1988")

    assert page.status_code == 422
    assert "The card used to sign is not the card you logged in with." in page.text
    submission = Submission.objects.get()
    assert submission.status == Status.RETURNED
    assert submission.document_sha256 == first
    assert submission.corrections.get().pending_answers["phone"] == "0761-72-2222"
