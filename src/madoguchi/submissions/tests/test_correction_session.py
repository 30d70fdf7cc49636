"""A correction link (差し戻し) of a card-verified submission is not a bearer credential.

Like a resume link, the link lives for weeks and may be forwarded: the card's data on the
correction page is shown only in a browser session that did the card login for that
person. Two separate clients stand for two browsers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import IdentityProvider, VerifiedIdentity
from madoguchi.identity.tests.fake_op import FakeOP
from madoguchi.submissions import resident_session, workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.testing.factories import StaffFactory

from . import test_resident_session as card
from .test_resident_session import (
    _browser,
    _card_login,
    _review,
    _sent_from,
    _start_with_card,
    _step,
)

# The card-login fixtures of the draft tests: a fake provider, the city, a card form.
department = card.department
op = card.op
provider = card.provider
version = card.version

REASON = "口座番号の桁が足りません。"
PERSONAL = ("加賀", "太郎", "大聖寺", "1234567", REASON)


def _returned(browser: Client, op: FakeOP, version: FormVersion) -> tuple[Submission, str]:
    """A card-verified application sent from ``browser``, returned to fix the bank account."""
    submission = _sent_from(browser, op, version)
    staff = StaffFactory(municipality=submission.municipality, departments=[submission.department])
    _correction, token = workflow.return_for_correction(
        submission=submission, staff=staff, reason=REASON, fields=["bank"]
    )
    return submission, token


def _correct(token: str) -> str:
    return reverse("submissions:correction", args=[token])


def _again(token: str) -> str:
    return reverse("submissions:correction_verify_again", args=[token])


def form_action(response: Any) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    return list(directive.split()[1:])


def test_a_correction_link_opened_in_another_browser_shows_nothing_the_card_verified(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    submission, token = _returned(owner, op, version)

    own_page = owner.get(_correct(token))
    page = other.get(_correct(token))

    assert own_page.status_code == 200 and "加賀 太郎" in own_page.text
    assert page.status_code == 403
    assert "Verify again with Digital Authentication App" in page.text
    assert f'action="{_again(token)}"' in page.text
    for personal in (*PERSONAL, submission.receipt_number):
        assert personal not in page.text
    assert "no-store" in page["Cache-Control"]


def test_a_correction_link_in_another_browser_cannot_change_or_resend_the_submission(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, attacker = _browser(), _browser()
    submission, token = _returned(owner, op, version)

    sent = attacker.post(_correct(token), {"bank": "9999999"})

    assert sent.status_code == 403
    for personal in PERSONAL:
        assert personal not in sent.text
    submission.refresh_from_db()
    assert submission.status == Status.RETURNED
    assert submission.answers["bank"] == "1234567"
    correction = submission.corrections.get()
    assert correction.resubmitted_at is None and correction.pending_answers == {}


def test_the_same_person_logging_in_with_the_card_again_can_correct_elsewhere(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, phone = _browser(), _browser()
    submission, token = _returned(owner, op, version)
    phone.get(_correct(token))
    before = phone.session.session_key

    started = phone.post(_again(token))
    back = _card_login(phone, op, started)
    page = phone.get(_correct(token))
    checked = phone.post(_correct(token), {"bank": "7654321"})
    fixed = phone.post(checked["Location"])  # sent from the review page

    assert started.status_code == 302 and started["Location"].startswith(op.base_url)
    assert back.status_code == 302 and back["Location"] == _correct(token)
    assert phone.session.session_key != before  # a planted session id is worth nothing
    assert page.status_code == 200
    assert "加賀 太郎" in page.text and REASON in page.text
    assert fixed.status_code == 302 and "/done/" in fixed["Location"]
    submission.refresh_from_db()
    assert submission.status == Status.RESUBMITTED
    assert submission.answers["bank"] == "7654321"
    assert phone.get(fixed["Location"]).status_code == 200


def test_another_persons_card_cannot_open_the_correction(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, attacker = _browser(), _browser()
    submission, token = _returned(owner, op, version)
    # The submission was verified by someone else than the card the fake provider answers for.
    VerifiedIdentity.objects.filter(pk=submission.identity_id).update(subject="b" * 64)

    started = attacker.post(_again(token))
    back = _card_login(attacker, op, started)
    page = attacker.get(_correct(token))
    sent = attacker.post(_correct(token), {"bank": "9999999"})

    assert back.status_code == 400
    assert "cannot be corrected with this card" in back.text
    assert page.status_code == sent.status_code == 403
    submission.refresh_from_db()
    assert submission.status == Status.RETURNED and submission.answers["bank"] == "1234567"


def test_a_card_login_on_my_page_opens_the_correction_of_that_persons_submission_only(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, resident, someone = _browser(), _browser(), _browser()
    submission, token = _returned(owner, op, version)
    identity = submission.identity
    assert identity is not None
    for browser, subject in ((resident, identity.subject), (someone, "c" * 64)):
        session = browser.session
        session[resident_session.SESSION_RESIDENT] = {"provider": provider.pk, "subject": subject}
        session.save()

    assert resident.get(_correct(token)).status_code == 200
    assert someone.get(_correct(token)).status_code == 403


def test_a_correction_without_a_verified_identity_opens_anywhere(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    submission, token = _returned(owner, op, version)
    Submission.objects.filter(pk=submission.pk).update(identity=None)

    assert other.get(_correct(token)).status_code == 200
    assert other.post(_again(token)).status_code == 302


def test_the_verify_again_pages_allow_the_providers_origin_in_form_action(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    draft_token, _back = _start_with_card(owner, op, version)
    _submission, token = _returned(owner, op, version)

    pages = [other.get(_review(draft_token)), other.get(_correct(token))]

    for page in pages:
        assert page.status_code == 403
        assert op.base_url in form_action(page), page.request["PATH_INFO"]


def test_a_disabled_provider_leaves_the_correction_locked_and_says_whom_to_ask(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    _submission, token = _returned(owner, op, version)
    IdentityProvider.objects.filter(pk=provider.pk).update(enabled=False)

    page = other.get(_correct(token))
    started = other.post(_again(token))

    assert page.status_code == 403
    assert "contact the city office" in page.text
    assert _again(token) not in page.text
    assert op.base_url not in form_action(page)
    assert started.status_code == 404


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_verify_again_page_of_a_correction_speaks_the_residents_language(
    provider: IdentityProvider, op: FakeOP, version: FormVersion, language: str
) -> None:
    owner = _browser()
    _submission, token = _returned(owner, op, version)

    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(_correct(token))

    expected = {
        "ja": "マイナンバーカードでもう一度本人確認",
        "en": "sent with a My Number Card identity check",
    }[language]
    assert expected in page.text


def test_a_cancelled_card_login_leaves_the_correction_locked_and_offers_to_try_again(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    _submission, token = _returned(owner, op, version)

    started = other.post(_again(token))
    state = parse_qs(urlparse(started["Location"]).query)["state"][0]
    back = other.get(
        reverse("identity:callback"),
        {"state": state, "error": "access_denied", "error_description": "PIN locked"},
    )

    assert back.status_code == 400
    assert "You can try again." in back.text and f'href="{_correct(token)}"' in back.text
    assert other.get(_correct(token)).status_code == 403


def test_a_card_login_on_my_page_also_opens_the_resume_link_of_that_persons_draft(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, resident = _browser(), _browser()
    draft_token, _back = _start_with_card(owner, op, version)
    identity = VerifiedIdentity.objects.get()
    session = resident.session
    session[resident_session.SESSION_RESIDENT] = {
        "provider": provider.pk,
        "subject": identity.subject,
    }
    session.save()

    page = resident.get(_step(draft_token))

    assert page.status_code == 200 and "加賀 太郎" in page.text
