"""MADOGUCHI_PAYMENT_ACCOUNTS from the environment: parsed at start, never shows a key."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from madoguchi.payments import accounts
from madoguchi.settings.environment import env

SECRET = "sk_live_do_not_print_me_0000"
HOOK = "whsec_do_not_print_me_either"


def read(value: str):
    return env("MADOGUCHI_PAYMENT_ACCOUNTS", environ={"MADOGUCHI_PAYMENT_ACCOUNTS": value})


def test_unset_means_no_accounts():
    assert env("MADOGUCHI_PAYMENT_ACCOUNTS", environ={}) == {}


def test_a_stripe_account_by_lg_code_is_read_with_its_api_base():
    value = json.dumps(
        {
            "172065": {
                "provider": "stripe",
                "secret_key": SECRET,
                "webhook_secret": HOOK,
                "api_base": "http://127.0.0.1:9000/paysim/",
            }
        }
    )

    assert read(value) == {
        "172065": {
            "provider": "stripe",
            "secret_key": SECRET,
            "webhook_secret": HOOK,
            "api_base": "http://127.0.0.1:9000/paysim",
        }
    }


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('{"172065": {"provider": "stripe", "secret_key": "' + SECRET + '",', "not valid JSON"),
        (json.dumps([SECRET]), "JSON object"),
        (
            json.dumps(
                {"172065": {"provider": "payjp", "secret_key": SECRET, "webhook_secret": HOOK}}
            ),
            "known provider",
        ),
        (json.dumps({"172065": {"provider": "stripe", "secret_key": SECRET}}), "webhook_secret"),
        (
            json.dumps(
                {"kaga": {"provider": "stripe", "secret_key": SECRET, "webhook_secret": HOOK}}
            ),
            "6-digit LG codes",
        ),
        (
            json.dumps(
                {
                    "172065": {
                        "provider": "stripe",
                        "secret_key": SECRET,
                        "webhook_secret": HOOK,
                        "api_base": "ftp://x",
                    }
                }
            ),
            "URL",
        ),
    ],
)
def test_a_malformed_setting_is_refused_naming_the_problem_but_no_key(value, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        read(value)

    message = str(refused.value)
    assert "MADOGUCHI_PAYMENT_ACCOUNTS" in message
    assert says in message
    assert SECRET not in message
    assert HOOK not in message


def test_an_account_never_shows_its_keys_in_its_repr(settings):
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {
        "172065": {"provider": "stripe", "secret_key": SECRET, "webhook_secret": HOOK}
    }

    shown = repr(accounts.account("172065"))

    assert "172065" in shown
    assert SECRET not in shown
    assert HOOK not in shown


def test_a_city_without_an_account_is_refused_with_a_code(settings):
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {}

    with pytest.raises(accounts.PaymentUnavailable) as refused:
        accounts.account("172065")

    assert refused.value.code == "payment_unavailable"
