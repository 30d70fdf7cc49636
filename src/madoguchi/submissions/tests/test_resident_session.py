"""What a browser session grants: a card-verified draft and the receipts it just sent.

Two separate clients stand for two browsers: the resume link alone must not carry the
card's verification, and logging out must end what the session could reach.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.identity.tests.fake_op import FakeOP, register_card_provider, running
from madoguchi.submissions import resident_session, selectors
from madoguchi.submissions.models import Draft, Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import DepartmentFactory, publish_form
from madoguchi.testing.http import redirect_of

SCHEMA: dict[str, Any] = {
    "title": {"ja": "人間ドック助成金申請", "en": "Check-up subsidy"},
    "identity": "mynumber_auth",
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "prefill": "name"},
                {"key": "address", "type": "text", "label": "住所", "prefill": "address"},
                {"key": "bank", "type": "text", "label": "口座番号", "required": True},
            ],
        }
    ],
}


@pytest.fixture
def op() -> Iterator[FakeOP]:
    cache.clear()
    with running(FakeOP()) as provider:
        yield provider
    cache.clear()


@pytest.fixture
def department(db: None) -> Department:
    return DepartmentFactory(municipality__lg_code="172065")


@pytest.fixture
def provider(department: Department, op: FakeOP) -> IdentityProvider:
    provider: IdentityProvider = register_card_provider(op, department.municipality)
    return provider


@pytest.fixture
def version(department: Department) -> FormVersion:
    return publish_form(department=department, slug="ningen-dock", schema=SCHEMA)


def _browser() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _card_login(browser: Client, op: FakeOP, started: Any) -> Any:
    """Follow a redirect to the provider and come back with a code, as its page would."""
    query = {k: v[0] for k, v in parse_qs(urlparse(started["Location"]).query).items()}
    code = op.issue_code(nonce=query["nonce"], code_challenge=query["code_challenge"])
    return browser.get(reverse("identity:callback"), {"state": query["state"], "code": code})


def _start_with_card(browser: Client, op: FakeOP, version: FormVersion) -> tuple[str, Any]:
    form = version.form
    started = browser.post(
        reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug]),
        {"provider": "digital-auth-app"},
    )
    back = _card_login(browser, op, started)
    token = back["Location"].split("/apply/", 1)[1].split("/", 1)[0]
    return token, back


def _step(token: str) -> str:
    return reverse("submissions:step", kwargs={"token": token, "number": 1})


def _review(token: str) -> str:
    return reverse("submissions:review", kwargs={"token": token})


def test_a_resume_link_opened_in_another_browser_shows_nothing_the_card_verified(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    token, _back = _start_with_card(owner, op, version)
    owner.post(_step(token), {"bank": "1234567"})

    own_page = owner.get(_step(token))
    step = other.get(_step(token))
    review = other.get(_review(token))

    assert own_page.status_code == 200 and "加賀 太郎" in own_page.text
    for page in (step, review):
        assert page.status_code == 403
        assert "Verify again with Digital Authentication App" in page.text
        for personal in ("加賀", "太郎", "大聖寺", "1234567"):
            assert personal not in page.text


def test_a_resume_link_in_another_browser_cannot_send_or_change_the_verified_draft(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, attacker = _browser(), _browser()
    token, _back = _start_with_card(owner, op, version)
    owner.post(_step(token), {"bank": "1234567"})

    changed = attacker.post(_step(token), {"bank": "9999999"})
    sent = attacker.post(_review(token))

    assert changed.status_code == sent.status_code == 403
    assert not Submission.objects.exists()
    assert Draft.objects.get().answers["bank"] == "1234567"


def test_the_same_person_logging_in_with_the_card_again_unlocks_the_draft_elsewhere(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, phone = _browser(), _browser()
    token, _back = _start_with_card(owner, op, version)
    owner.post(_step(token), {"bank": "1234567"})

    started = phone.post(reverse("submissions:verify_again", args=[token]))
    back = _card_login(phone, op, started)
    page = phone.get(_step(token))
    sent = phone.post(_review(token))

    assert back.status_code == 302 and back["Location"] == _step(token)
    assert "加賀 太郎" in page.text
    submission = Submission.objects.get()
    assert redirect_of(sent) == (302, reverse("submissions:done", args=[submission.public_id]))
    assert submission.identity_level == Assurance.MYNUMBER_CARD
    assert submission.answers["bank"] == "1234567"


def test_a_card_login_gives_the_session_a_new_key(
    op: FakeOP, provider: IdentityProvider, version: FormVersion
) -> None:
    """The session gains the card's identity: a key planted before the login must not get it."""
    browser = _browser()
    form = version.form
    started = browser.post(
        reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug]),
        {"provider": "digital-auth-app"},
    )
    before = browser.session.session_key

    _card_login(browser, op, started)

    assert browser.session.session_key != before


def test_another_persons_card_cannot_unlock_a_verified_draft(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, attacker = _browser(), _browser()
    token, _back = _start_with_card(owner, op, version)
    # The draft was verified by someone else than the card the fake provider answers for.
    VerifiedIdentity.objects.update(subject="b" * 64)

    started = attacker.post(reverse("submissions:verify_again", args=[token]))
    back = _card_login(attacker, op, started)
    page = attacker.get(_step(token))

    assert back.status_code == 400
    assert "cannot be continued with this card" in back.text
    assert page.status_code == 403
    assert Draft.objects.get().identity.subject == "b" * 64  # type: ignore[union-attr]


def test_a_card_login_below_aal3_fills_nothing_and_tells_the_resident_why(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    browser = _browser()
    op.behaviour = "acr_aal2"

    form = version.form
    started = browser.post(
        reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug]),
        {"provider": "digital-auth-app"},
    )
    back = _card_login(browser, op, started)

    assert back.status_code == 400
    assert "not confirmed at the level this procedure needs" in back.text
    assert Draft.objects.get().identity is None
    assert not VerifiedIdentity.objects.exists()


def test_a_refused_token_request_is_logged_and_the_resident_told_to_contact_the_city(
    provider: IdentityProvider,
    op: FakeOP,
    version: FormVersion,
    caplog: pytest.LogCaptureFixture,
) -> None:
    browser = _browser()
    op.behaviour = "refuse_token"
    form = version.form
    started = browser.post(
        reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug]),
        {"provider": "digital-auth-app"},
    )

    with caplog.at_level(logging.WARNING, logger="madoguchi.identity"):
        back = _card_login(browser, op, started)

    assert back.status_code == 400
    assert "contact the city office" in back.text
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "madoguchi.identity")
    assert "error=invalid_client" in logged and "error_description=" in logged


def _sent_from(browser: Client, op: FakeOP, version: FormVersion) -> Submission:
    token, _back = _start_with_card(browser, op, version)
    browser.post(_step(token), {"bank": "1234567"})
    browser.post(_review(token))
    return Submission.objects.latest("pk")


def test_the_receipt_opens_right_after_sending_but_not_after_logging_out(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    browser = _browser()
    submission = _sent_from(browser, op, version)
    receipt = reverse("documents:receipt_pdf", args=[submission.public_id])
    done = reverse("submissions:done", args=[submission.public_id])

    before = browser.get(receipt)
    browser.post(reverse("submissions:mypage_logout", args=["172065"]))
    after = browser.get(receipt)

    assert before.status_code == 200 and before["Content-Type"] == "application/pdf"
    assert after.status_code == 404
    assert browser.get(done).status_code == 404


def test_the_confirmation_and_receipt_close_after_the_receipt_window(
    provider: IdentityProvider, op: FakeOP, version: FormVersion, settings: Any
) -> None:
    browser = _browser()
    submission = _sent_from(browser, op, version)
    session = browser.session
    entries = session[resident_session.SESSION_RECEIPTS]
    for value in entries.values():
        value[1] -= settings.MADOGUCHI_RECEIPT_ACCESS_MINUTES * 60 + 1
    session[resident_session.SESSION_RECEIPTS] = entries
    session.save()

    receipt = browser.get(reverse("documents:receipt_pdf", args=[submission.public_id]))
    done = browser.get(reverse("submissions:done", args=[submission.public_id]))

    assert receipt.status_code == done.status_code == 404


def test_my_page_logout_ends_the_session_so_card_logins_and_receipts_are_gone(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    browser = _browser()
    submission = _sent_from(browser, op, version)
    session = browser.session
    session[selectors.SESSION_RESIDENT] = {
        "provider": provider.pk,
        "subject": submission.identity.subject,  # type: ignore[union-attr]
    }
    session.save()
    receipt = reverse("documents:receipt_pdf", args=[submission.public_id])
    assert browser.get(receipt).status_code == 200

    browser.post(reverse("submissions:mypage_logout", args=["172065"]))

    assert browser.get(receipt).status_code == 404
    assert "Log in with" in browser.get(reverse("submissions:mypage", args=["172065"])).text


def test_every_resident_page_with_personal_data_is_sent_with_no_store(
    provider: IdentityProvider, op: FakeOP, version: FormVersion
) -> None:
    owner, other = _browser(), _browser()
    token, _back = _start_with_card(owner, op, version)
    owner.post(_step(token), {"bank": "1234567"})
    pages = [owner.get(_step(token)), owner.get(_review(token)), other.get(_step(token))]
    owner.post(_review(token))
    submission = Submission.objects.get()
    pages += [
        owner.get(reverse("submissions:done", args=[submission.public_id])),
        owner.get(reverse("documents:receipt_pdf", args=[submission.public_id])),
        owner.get(reverse("submissions:mypage", args=["172065"])),
    ]

    for page in pages:
        assert "no-store" in page["Cache-Control"], page.request["PATH_INFO"]
