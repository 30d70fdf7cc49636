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
    checked = browser.post(
        reverse("submissions:correction", args=[link_token]), {"phone": "0761-72-2222"}
    )
    assert checked.status_code == 302, checked.content[:2000]
    # The applicant checks the corrected answers, then signs and sends from the review page.
    out = browser.post(checked["Location"])
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


def _card_login_again(browser: Client, link_token: str, *, resident: str, pin: str) -> Any:
    """Log in with the card on the correction's verify-again page; returns the callback."""
    started = browser.post(reverse("submissions:correction_verify_again", args=[link_token]))
    assert started.status_code == 302, started.content[:2000]
    assert go(browser, started).status_code == 200  # devidp's card page
    location = urlsplit(started["Location"])
    back = browser.post(
        f"{location.path}?{location.query}",
        {"resident": resident, "pin": pin, "action": "authenticate"},
    )
    return go(browser, back)


def test_a_signed_correction_opened_in_another_browser_is_signed_there_after_the_card_login(
    version: FormVersion,
    browser: Client,
    live_server: Any,
) -> None:
    link_token = _signed_and_returned(browser, version)
    first = Submission.objects.get().document_sha256
    phone = Client(HTTP_HOST=urlsplit(live_server.url).netloc, HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("submissions:correction", args=[link_token])

    locked = phone.get(url)
    back = _card_login_again(phone, link_token, resident="kaga-taro", pin="1234")
    unlocked = phone.get(url)
    page = _sign_correction(phone, link_token)

    assert locked.status_code == 403
    for personal in ("加賀", "太郎", "0761-72-1111", "電話番号が不通です"):
        assert personal not in locked.text
    assert back.status_code == 302 and back["Location"] == url
    assert unlocked.status_code == 200 and "加賀 太郎" in unlocked.text
    assert page.status_code == 302 and "/done/" in page["Location"]
    submission = Submission.objects.get()
    assert submission.status == Status.RESUBMITTED
    assert submission.answers["phone"] == "0761-72-2222"
    evidences = SignatureEvidence.objects.filter(submission=submission).order_by("id")
    assert [e.document_sha256 for e in evidences] == [first, submission.document_sha256]
    assert services.reverify(submission).document_sha256 == submission.document_sha256


def test_another_persons_card_login_does_not_open_a_signed_correction(
    version: FormVersion,
    browser: Client,
    live_server: Any,
) -> None:
    link_token = _signed_and_returned(browser, version)
    phone = Client(HTTP_HOST=urlsplit(live_server.url).netloc, HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("submissions:correction", args=[link_token])

    back = _card_login_again(phone, link_token, resident="kaga-yoshida", pin="2580")
    page = phone.get(url)
    sent = phone.post(url, {"phone": "0761-72-9999"})

    assert back.status_code == 400
    assert "cannot be corrected with this card" in back.text
    assert page.status_code == sent.status_code == 403
    submission = Submission.objects.get()
    assert submission.status == Status.RETURNED
    assert submission.corrections.get().pending_answers == {}
