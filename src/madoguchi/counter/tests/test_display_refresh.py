"""No page of the resident display refreshes itself on a timer (WCAG 2.2.1, Level A): no
``<meta http-equiv="refresh">`` and no ``Refresh`` header. The script's poll moves the
display on when the clerk changes it; without JavaScript a button does."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.counter import card, display, services
from madoguchi.counter.models import ApplicationState, VisitApplication

from .card_helpers import Counter, a_counter

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

PAIR = reverse("counter_resident:display_pair")
SCREEN = reverse("counter_resident:display")
STATE = reverse("counter_resident:display_state")
META_REFRESH = re.compile(r"<meta[^>]+http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)


def _paired(counter: Counter) -> Client:
    client = Client(headers={"accept-language": "ja"})
    client.post(PAIR, {"code": display.start_pairing(visit=counter.visit)})
    return client


def _refreshes_itself(response: Response) -> bool:
    return "Refresh" in response or bool(META_REFRESH.search(response.content.decode()))


def _confirm(client: Client, counter: Counter) -> Response:
    return client.post(
        reverse("counter_resident:display_confirm"),
        {
            "application": counter.application.pk,
            "sha256": services.answers_sha256(counter.application),
        },
    )


def test_no_page_of_the_display_refreshes_itself() -> None:
    counter = a_counter()
    unpaired = Client(headers={"accept-language": "ja"})
    pages = {
        "pairing": unpaired.get(PAIR),
        "pairing refused": unpaired.post(PAIR, {"code": "000000"}),
        "unpaired screen": unpaired.get(SCREEN),
    }
    client = _paired(counter)
    pages["waiting"] = client.get(SCREEN)
    display.show_for_confirmation(application=counter.application)
    pages["confirm"] = client.get(SCREEN)
    pages["flagged"] = client.post(
        reverse("counter_resident:display_flag"), {"application": counter.application.pk}
    )
    display.show_for_confirmation(application=counter.application)
    pages["thank you"] = _confirm(client, counter)
    pages["confirm refused"] = _confirm(client, counter)
    card.issue_challenge(visit=counter.visit)
    pages["card PIN"] = client.get(SCREEN)
    VisitApplication.objects.filter(pk=counter.application.pk).update(
        sign_sha256="0" * 64, sign_created_at=timezone.now()
    )
    pages["signing password"] = client.get(SCREEN)
    pages["state poll"] = client.get(STATE)

    assert {name: r.status_code for name, r in pages.items()} == {
        "pairing": 200,
        "pairing refused": 422,
        "unpaired screen": 200,
        "waiting": 200,
        "confirm": 200,
        "flagged": 200,
        "thank you": 200,
        "confirm refused": 409,
        "card PIN": 200,
        "signing password": 200,
        "state poll": 200,
    }
    assert 'id="card-sign"' in pages["signing password"].content.decode()
    assert [name for name, response in pages.items() if _refreshes_itself(response)] == []


def test_the_waiting_page_offers_a_large_refresh_button_and_says_it_updates_itself() -> None:
    client = _paired(a_counter())

    page = client.get(SCREEN).content.decode()

    assert "お待ちください" in page
    assert f'href="{SCREEN}"' in page and "最新の状態にする" in page
    assert 'class="button button-secondary display-button"' in page
    assert "JavaScript が有効なら" in page
    assert 'type="module"' in page and "display-card.js" in page


def test_an_application_to_read_also_offers_the_refresh_button() -> None:
    counter = a_counter()
    client = _paired(counter)
    display.show_for_confirmation(application=counter.application)

    page = client.get(SCREEN).content.decode()

    assert "就職" in page and "最新の状態にする" in page


def test_the_thank_you_page_goes_back_when_the_clerk_continues_not_on_a_timer() -> None:
    counter = a_counter()
    client = _paired(counter)
    display.show_for_confirmation(application=counter.application)

    page = _confirm(client, counter).content.decode()
    now = client.get(STATE).json()

    counter.application.refresh_from_db()
    assert counter.application.state == ApplicationState.CONFIRMED
    # The poll compares this version with the state's: equal until the clerk moves on.
    assert f'data-version="{now["version"]}"' in page
    assert f'data-return-to="{SCREEN}"' in page and f'data-state-url="{STATE}"' in page
    assert "display-card.js" in page
    assert f'href="{SCREEN}"' in page and "表示に戻る" in page
