"""The hosted page's HTML (Django's test client): labels, languages, no inline code."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from madoguchi.simulators.payments import services
from madoguchi.simulators.payments.protocol import accounts

from .conftest import as_received, session_params

pytestmark = pytest.mark.django_db


def create(**overrides):
    (kaga, *_) = accounts().values()
    return services.create_session(
        kaga,
        as_received(session_params(**overrides)),
        page_url="http://testserver/paysim/checkout/{id}/",
    )


def test_the_page_shows_merchant_items_total_methods_and_test_cards(client: Client):
    checkout = create(payment_method_types=["card", "konbini", "paypay"])

    page = client.get(f"/paysim/checkout/{checkout.id}/").content.decode()

    assert '<html lang="ja">' in page
    assert "加賀市へのお支払い" in page
    assert "住民票の写し" in page and "¥600" in page
    for label in ("クレジットカード・デビットカード", "コンビニ払い", "PayPay", "カード番号"):
        assert label in page
    for number in ("4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0025 0000 3155"):
        assert number in page
    assert '<label class="label" for="number">' in page
    assert 'href="https://app.example.jp/payments/return/x/?cancelled=1"' in page


def test_the_session_locale_en_gives_english(client: Client):
    checkout = create(locale="en")

    page = client.get(f"/paysim/checkout/{checkout.id}/").content.decode()

    assert '<html lang="en">' in page
    assert "Card number" in page


def test_the_page_has_no_inline_script_or_style_and_a_csrf_token(client: Client):
    checkout = create()

    page = client.get(f"/paysim/checkout/{checkout.id}/").content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page and " style=" not in page and "onclick" not in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_posting_without_csrf_is_refused():
    checkout = create()

    answer = Client(enforce_csrf_checks=True).post(
        f"/paysim/checkout/{checkout.id}/", {"method": "card", "number": "4242424242424242"}
    )

    assert answer.status_code == 403


def test_an_unknown_session_is_404(client: Client):
    assert client.get("/paysim/checkout/cs_test_nothing/").status_code == 404


def test_3ds_challenge_page_offers_authenticate_and_fail(client: Client):
    checkout = create()
    client.post(
        f"/paysim/checkout/{checkout.id}/",
        {"method": "card", "number": "4000 0025 0000 3155", "expiry": "12/34", "cvc": "123"},
    )

    page = client.get(f"/paysim/checkout/{checkout.id}/3ds/").content.decode()

    assert "認証する" in page and "失敗させる" in page


def test_a_past_expiry_date_is_refused_with_a_message(client: Client):
    checkout = create()

    answer = client.post(
        f"/paysim/checkout/{checkout.id}/",
        {"method": "card", "number": "4242424242424242", "expiry": "01/20", "cvc": "123"},
    )

    assert answer.status_code == 422
    assert "有効期限" in answer.content.decode()
    assert services.session(checkout.id).data["status"] == "open"
