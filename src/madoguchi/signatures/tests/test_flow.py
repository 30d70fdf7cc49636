"""Signing at submission, end to end: Madoguchi as relying party, devidp as the service.

The resident's browser is Django's test client; Madoguchi talks to devidp over real HTTP
(the live server), exactly as it would talk to the Digital Authentication App service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.signatures import services
from madoguchi.signatures.models import SignatureEvidence
from madoguchi.signatures.verify import SignatureInvalid, verify_bundle
from madoguchi.submissions import services as submission_services
from madoguchi.submissions import uploads
from madoguchi.submissions.models import Draft, Submission

from .live import OTHER_PDF, fill_in_with_card, go, sign


def test_a_resident_signs_with_the_card_and_the_evidence_verifies_offline(
    version: FormVersion, browser: Client, recorded: list[Any]
) -> None:
    token = fill_in_with_card(browser)

    done = go(browser, go(browser, sign(browser, token)))

    assert done.status_code == 200
    submission = Submission.objects.get()
    evidence = SignatureEvidence.objects.get(submission=submission)
    assert evidence.document_sha256 == submission.document_sha256
    assert evidence.validation["status"] == "valid"
    assert evidence.validation["path"][-1].startswith("OU=Madoguchi devidp (not J-LIS)")
    report = verify_bundle(
        evidence.bundle(),
        document=submission.document.encode(),
        trust_roots=services.selectors.jpki_trust_roots(),
    )
    assert report.signer_serial == evidence.signer_serial
    assert services.reverify(submission).document_sha256 == submission.document_sha256
    identity = VerifiedIdentity.objects.get()
    assert identity.certificate_serial == evidence.signer_serial
    assert "JPKI for digital signature" in identity.certificate_issuer
    assert not Draft.objects.exists()
    submitted = [e for e in recorded if e[0] == "submission.submitted"]
    signed = [e for e in recorded if e[0] == "submission.signed"]
    assert submitted[0][1] == events.pseudonym("person", identity.subject)
    assert submitted[0][2] == events.submission_subject(submission.public_id)
    assert submitted[0][3] == {
        "document": submission.document_sha256,
        "form": str(version.form.pk),
        "version": str(version.number),
        "channel": "online",
        "signed": "yes",
    }
    assert signed[0][3]["document"] == submission.document_sha256
    assert signed[0][3]["certificate"] == evidence.certificate_sha256
    assert signed[0][3]["issuer_ca"] == "JPKI for digital signature"
    assert "加賀" not in repr(recorded)


def test_an_answer_changed_after_signing_is_refused_and_the_draft_kept(
    version: FormVersion, browser: Client
) -> None:
    token = fill_in_with_card(browser)
    back = sign(browser, token)
    draft = Draft.objects.get()
    draft.answers["phone"] = "0761-72-9999"
    draft.save()

    page = go(browser, back)

    assert page.status_code == 422
    assert "Your answers changed after you signed. Check them and sign again." in page.text
    assert "Sign with My Number Card and send" in page.text
    assert not Submission.objects.exists()
    assert Draft.objects.get().answers["phone"] == "0761-72-9999"


def test_an_attachment_swapped_after_signing_is_refused(
    version: FormVersion, browser: Client
) -> None:
    token = fill_in_with_card(browser)
    back = sign(browser, token)
    draft = Draft.objects.get()
    form_field = version.schema.field("certificate")
    swapped = uploads.store_upload(
        form_field,
        SimpleUploadedFile("cert.pdf", OTHER_PDF),
        draft=draft,  # type: ignore[arg-type]
    )
    draft.answers["certificate"] = [swapped.descriptor()]  # type: ignore[union-attr]
    draft.save()

    page = go(browser, back)

    assert page.status_code == 422
    assert "Your answers changed after you signed." in page.text
    assert not Submission.objects.exists()


def test_another_persons_card_cannot_sign_for_the_resident(
    version: FormVersion, browser: Client
) -> None:
    token = fill_in_with_card(browser)

    page = go(browser, sign(browser, token, resident="kaga-yoshida", pin="HANAKO1988"))

    assert page.status_code == 422
    assert "The card used to sign is not the card you logged in with." in page.text
    assert not Submission.objects.exists()
    assert Draft.objects.exists()


def test_a_revoked_signing_certificate_is_refused(version: FormVersion, browser: Client) -> None:
    token = fill_in_with_card(browser)

    page = go(browser, sign(browser, token, resident="kaga-takahashi", pin="SEIICHI52"))

    assert page.status_code == 422
    assert "has been revoked" in page.text
    assert not Submission.objects.exists()


def test_cancelling_on_the_card_page_keeps_the_draft_and_offers_to_sign_again(
    version: FormVersion, browser: Client
) -> None:
    token = fill_in_with_card(browser)
    review = browser.post(reverse("submissions:review", kwargs={"token": token}))
    location = urlsplit(review["Location"])

    page = go(browser, browser.post(f"{location.path}?{location.query}", {"action": "cancel"}))

    assert page.status_code == 422
    assert "The signature was cancelled" in page.text
    assert Draft.objects.exists()


def test_an_answer_edited_in_the_database_fails_re_verification(
    version: FormVersion, browser: Client
) -> None:
    go(browser, go(browser, sign(browser, fill_in_with_card(browser))))
    submission = Submission.objects.get()
    Submission.objects.filter(pk=submission.pk).update(
        answers={**submission.answers, "phone": "090-0000-0000"}
    )

    with pytest.raises(SignatureInvalid, match="answers differ from the signed document"):
        services.reverify(Submission.objects.get())


def test_a_signed_form_cannot_be_sent_without_a_signature(
    version: FormVersion, browser: Client
) -> None:
    fill_in_with_card(browser)

    with pytest.raises(submission_services.SignatureRequired):
        submission_services.submit_draft(draft=Draft.objects.get())
