"""Stripe's nested form parameters, as the SDK encodes them."""

from __future__ import annotations

from urllib.parse import parse_qsl

from stripe._encode import _api_encode

from madoguchi.simulators.payments.protocol import nested


def roundtrip(params):
    return nested((k, str(v)) for k, v in _api_encode(params))


def test_the_sdks_encoding_of_nested_params_reads_back():
    params = {
        "line_items": [
            {"price_data": {"currency": "jpy", "unit_amount": 500}, "quantity": 2},
            {"price_data": {"currency": "jpy", "unit_amount": 300}, "quantity": 1},
        ],
        "metadata": {"payment": "p-1"},
        "expand": ["payment_intent", "payment_intent.latest_charge"],
    }

    assert roundtrip(params) == {
        "line_items": [
            {"price_data": {"currency": "jpy", "unit_amount": "500"}, "quantity": "2"},
            {"price_data": {"currency": "jpy", "unit_amount": "300"}, "quantity": "1"},
        ],
        "metadata": {"payment": "p-1"},
        "expand": ["payment_intent", "payment_intent.latest_charge"],
    }


def test_empty_brackets_append_like_a_hand_written_request():
    pairs = parse_qsl("expand[]=payment_intent&expand[]=line_items&created[gte]=10")

    assert nested(pairs) == {"expand": ["payment_intent", "line_items"], "created": {"gte": "10"}}
