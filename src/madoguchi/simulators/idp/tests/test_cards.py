"""The demo cards behave like My Number Cards: PIN counters, locks, revoked certificates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.simulators.idp import services
from madoguchi.simulators.idp.models import CardState
from madoguchi.simulators.idp.residents import get_resident

from .conftest import DemoRelyingParty, query


def test_a_wrong_pin_counts_down_and_the_third_locks_the_card(rp: DemoRelyingParty) -> None:
    request = rp.authorization_request()

    first = rp.submit_card(request, pin="0000")
    second = rp.submit_card(request, pin="0000")
    third = rp.submit_card(request, pin="0000")

    assert first.status_code == second.status_code == third.status_code == 422
    assert "2 attempts are left" in first.content.decode()
    assert "1 attempt is left" in second.content.decode()
    assert "city office" in third.content.decode()
    assert 'role="alert"' in third.content.decode()
    assert CardState.objects.get(resident_id="kaga-taro").auth_locked


def test_a_locked_card_is_sent_back_as_access_denied_even_with_the_right_pin(
    rp: DemoRelyingParty,
) -> None:
    request = rp.authorization_request()
    for _ in range(3):
        rp.submit_card(request, pin="0000")

    callback = query(rp.submit_card(request, pin="1234"))

    assert callback["error"] == "access_denied"
    assert "locked" in callback["error_description"]
    assert callback["state"] == request.params["state"]


def test_the_right_pin_resets_the_counter(rp: DemoRelyingParty) -> None:
    request = rp.authorization_request()
    rp.submit_card(request, pin="0000")
    rp.submit_card(request, pin="0000")

    assert "code" in query(rp.submit_card(request, pin="1234"))
    assert CardState.objects.get(resident_id="kaga-taro").auth_pin_failures == 0


@pytest.mark.parametrize("pin", ["", "123", "12345", "abcd", "１２３４"])
def test_a_malformed_pin_never_reaches_the_card(rp: DemoRelyingParty, pin: str) -> None:
    response = rp.submit_card(rp.authorization_request(), pin=pin)

    assert response.status_code == 422
    assert "4-digit PIN" in response.content.decode()
    assert not CardState.objects.filter(auth_pin_failures__gt=0).exists()


def test_choosing_no_card_is_an_error_on_the_page(rp: DemoRelyingParty) -> None:
    response = rp.submit_card(rp.authorization_request(), resident="")

    assert response.status_code == 422
    assert 'href="#residents"' in response.content.decode()


@pytest.mark.parametrize(
    ("resident", "pin", "reason"),
    [
        ("kaga-takahashi", "7391", "certificate revoked"),
        ("kobe-yamazaki", "9090", "certificate expired"),
    ],
)
def test_a_card_whose_certificate_fails_the_check_is_access_denied(
    rp: DemoRelyingParty, resident: str, pin: str, reason: str
) -> None:
    request = rp.authorization_request()

    callback = query(rp.submit_card(request, resident=resident, pin=pin))

    assert callback["error"] == "access_denied"
    assert callback["error_description"] == reason
    assert "code" not in callback


def test_cancel_sends_the_resident_back_as_access_denied(rp: DemoRelyingParty) -> None:
    request = rp.authorization_request()

    callback = query(rp.submit_card(request, pin="", action="cancel"))

    assert callback["error"] == "access_denied"
    assert callback["state"] == request.params["state"]


def test_the_reset_button_unlocks_every_demo_card(rp: DemoRelyingParty) -> None:
    request = rp.authorization_request()
    for _ in range(3):
        rp.submit_card(request, pin="0000")

    response = rp.submit_card(request, pin="", action="reset-cards")

    assert response.status_code == 302
    assert response["Location"] == request.url
    assert "code" in query(rp.submit_card(request, pin="1234"))


def test_the_reset_cards_command_unlocks_the_cards(db: None) -> None:
    resident = get_resident("kobe-kitano")
    for _ in range(3):
        services.verify_pin(resident=resident, pin="0000", kind="authentication")
    out = StringIO()

    call_command("devidp", "reset-cards", stdout=out)

    assert "reset 1" in out.getvalue()
    assert services.verify_pin(resident=resident, pin="1926", kind="authentication").ok


def test_the_signing_pin_locks_after_five_wrong_entries(db: None) -> None:
    resident = get_resident("kaga-taro")

    results = [
        services.verify_pin(resident=resident, pin="WRONG1", kind="signing") for _ in range(5)
    ]

    assert [r.remaining for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].locked
    assert not services.verify_pin(resident=resident, pin="KAGA1975", kind="signing").ok
    assert services.verify_pin(resident=resident, pin="1234", kind="authentication").ok
