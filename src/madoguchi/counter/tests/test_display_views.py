from __future__ import annotations

import base64
import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from madoguchi.counter import card, display, services
from madoguchi.counter.models import ApplicationState, Assurance, Visit, VisitApplication
from madoguchi.testing.staff import log_in_staff

from .card_helpers import Counter, a_counter, auth_certificate_der, card_sign, read_items

pytestmark = pytest.mark.django_db

PAIR = reverse("counter_resident:display_pair")
SCREEN = reverse("counter_resident:display")


def _paired(counter: Counter, client: Client | None = None) -> Client:
    client = client or Client(headers={"accept-language": "ja"})
    response = client.post(PAIR, {"code": display.start_pairing(visit=counter.visit)})
    assert response.status_code == 302
    return client


def test_the_display_pairs_with_the_code_and_keeps_a_strict_httponly_cookie() -> None:
    counter = a_counter()
    client = Client()

    response = client.post(PAIR, {"code": display.start_pairing(visit=counter.visit)})

    assert response.status_code == 302 and response["Location"] == SCREEN
    cookie = response.cookies["madoguchi_display"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/counter/display/"
    assert display.visit_for_token(cookie.value) == counter.visit


def test_a_wrong_code_says_what_to_do_in_japanese() -> None:
    a_counter()

    response = Client(headers={"accept-language": "ja"}).post(PAIR, {"code": "000000"})

    assert response.status_code == 422
    assert "コード" in response.content.decode()


@override_settings(MADOGUCHI_RATE_LIMITS={"display_pair": 2})
def test_typing_codes_is_rate_limited() -> None:
    cache.clear()
    client = Client()

    statuses = [client.post(PAIR, {"code": "000000"}).status_code for _ in range(3)]

    assert statuses == [422, 422, 429]


def test_an_unpaired_display_shows_the_pairing_page() -> None:
    response = Client().get(SCREEN)

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


def test_the_display_never_shows_edit_reasons() -> None:
    counter = a_counter()
    services.edit_answers(
        application=counter.application,
        clerk=counter.clerk,
        answers={"purpose": "進学"},
        reason="内部メモ：書類不足",
    )
    client = _paired(counter)
    display.show_for_confirmation(application=counter.application)

    page = client.get(SCREEN).content.decode()

    assert "進学" in page
    assert "内部メモ" not in page and "就職" not in page


def test_the_resident_confirms_on_the_display() -> None:
    counter = a_counter()
    client = _paired(counter)
    display.show_for_confirmation(application=counter.application)

    response = client.post(
        reverse("counter_resident:display_confirm"),
        {
            "application": counter.application.pk,
            "sha256": services.answers_sha256(counter.application),
        },
    )

    assert response.status_code == 200
    counter.application.refresh_from_db()
    assert counter.application.state == ApplicationState.CONFIRMED


def test_a_display_of_another_visit_cannot_confirm() -> None:
    counter = a_counter()
    other = _paired(a_counter())
    display.show_for_confirmation(application=counter.application)

    other.post(
        reverse("counter_resident:display_confirm"),
        {
            "application": counter.application.pk,
            "sha256": services.answers_sha256(counter.application),
        },
    )

    counter.application.refresh_from_db()
    assert counter.application.state == ApplicationState.CONFIRMING


def test_posts_from_the_display_need_the_csrf_token() -> None:
    counter = a_counter()
    client = _paired(counter)
    client.handler.enforce_csrf_checks = True
    display.show_for_confirmation(application=counter.application)

    response = client.post(
        reverse("counter_resident:display_flag"), {"application": counter.application.pk}
    )

    assert response.status_code == 403


def test_the_state_poll_changes_when_the_clerk_shows_an_application() -> None:
    counter = a_counter()
    client = _paired(counter)
    before = client.get(reverse("counter_resident:display_state")).json()

    display.show_for_confirmation(application=counter.application)
    after = client.get(reverse("counter_resident:display_state")).json()

    assert before["paired"] and after["state"] == "confirm"
    assert before["version"] != after["version"]
    assert "就職" not in json.dumps(after)


def test_the_card_read_relay_takes_the_agents_answer() -> None:
    counter = a_counter()
    client = _paired(counter)
    nonce = card.issue_challenge(visit=counter.visit)
    page = client.get(SCREEN)
    assert nonce in page.content.decode()
    assert "http://127.0.0.1:*" in page["Content-Security-Policy"]

    response = client.post(
        reverse("counter_resident:display_card_read"),
        json.dumps(
            {
                "items": read_items("kaga-taro"),
                "integrity": "ok",
                "auth_certificate": base64.b64encode(auth_certificate_der("kaga-taro")).decode(),
                "auth_ca_certificate": None,
                "nonce_signature": base64.b64encode(
                    card_sign("kaga-taro", bytes.fromhex(nonce))
                ).decode(),
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert Visit.objects.get(pk=counter.visit.pk).assurance == Assurance.CARD


def test_a_refused_card_read_answers_its_code() -> None:
    counter = a_counter()
    client = _paired(counter)
    card.issue_challenge(visit=counter.visit)

    response = client.post(
        reverse("counter_resident:display_card_read"),
        json.dumps(
            {
                "items": read_items("kaga-takahashi"),
                "integrity": "ok",
                "auth_certificate": base64.b64encode(
                    auth_certificate_der("kaga-takahashi")
                ).decode(),
                "nonce_signature": base64.b64encode(b"x" * 256).decode(),
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["error"] in {"card_revoked", "card_signature_invalid"}


@pytest.mark.parametrize("body", ["not json", "[]", '{"items": {}, "auth_certificate": "%%"}'])
def test_a_malformed_relay_is_a_bad_request(body: str) -> None:
    counter = a_counter()
    client = _paired(counter)
    card.issue_challenge(visit=counter.visit)

    response = client.post(
        reverse("counter_resident:display_card_read"), body, content_type="application/json"
    )

    assert response.status_code == 400


def test_an_unpaired_relay_is_refused() -> None:
    response = Client().post(
        reverse("counter_resident:display_card_read"), "{}", content_type="application/json"
    )

    assert response.status_code == 403


def test_the_clerk_shows_the_code_and_puts_an_application_up() -> None:
    counter = a_counter()
    staff = log_in_staff(counter.clerk)

    paired = staff.post(
        reverse("counter:display_start_pairing", kwargs={"visit_id": counter.visit.pk})
    )
    panel = staff.get(reverse("counter:display_panel", kwargs={"visit_id": counter.visit.pk}))
    staff.post(
        reverse("counter:display_show", kwargs={"application_id": counter.application.pk}),
        {"next": "/staff/counter/"},
    )

    assert paired.status_code == 302
    visit = Visit.objects.get(pk=counter.visit.pk)
    assert visit.display_code and visit.display_code in panel.content.decode()
    assert VisitApplication.objects.get(pk=counter.application.pk).state == (
        ApplicationState.CONFIRMING
    )


def test_the_clerk_cannot_reach_another_municipalitys_visit() -> None:
    counter = a_counter()
    stranger = log_in_staff(a_counter().clerk)

    response = stranger.post(reverse("counter:card_read", kwargs={"visit_id": counter.visit.pk}))

    assert response.status_code == 404
    assert Visit.objects.get(pk=counter.visit.pk).card_nonce == ""


def test_an_off_site_next_is_ignored() -> None:
    counter = a_counter()
    staff = log_in_staff(counter.clerk)

    response = staff.post(
        reverse("counter:display_start_pairing", kwargs={"visit_id": counter.visit.pk}),
        {"next": "https://evil.example/"},
    )

    assert response["Location"].startswith("/staff/counter/")
