"""Step mechanics on a card-verified draft (issue 13): the postal lookup and 一時保存 never
touch what the My Number Card filled in and locked, whatever the request says."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import IdentityProvider
from madoguchi.identity.tests.fake_op import FakeOP
from madoguchi.submissions.models import Draft
from madoguchi.submissions.tests.test_resident_session import (  # noqa: F401 (fixtures)
    _browser,
    _start_with_card,
    _step,
    department,
    op,
    provider,
)
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form

pytestmark = pytest.mark.django_db

CARD_ADDRESS = "石川県加賀市大聖寺南町ニ41"

SCHEMA: dict[str, Any] = {
    "title": {"ja": "住所変更の届出", "en": "Address notice"},
    "identity": "mynumber_auth",
    "steps": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "prefill": "name"},
                {
                    "key": "postal_code",
                    "type": "postal_code",
                    "label": "郵便番号",
                    "address_field": "address",
                },
                {"key": "address", "type": "text", "label": "住所", "prefill": "address"},
                {"key": "phone", "type": "phone", "label": "電話番号", "required": True},
            ],
        }
    ],
}


@pytest.fixture
def version(department: Department) -> FormVersion:  # noqa: F811
    return publish_form(department=department, slug="jusho", schema=SCHEMA)


def test_the_lookup_never_changes_the_address_the_card_locked(
    provider: IdentityProvider,  # noqa: F811
    op: FakeOP,  # noqa: F811
    version: FormVersion,
) -> None:
    browser: Client = _browser()
    token, _back = _start_with_card(browser, op, version)

    page = browser.get(_step(token)).text
    looked_up = browser.post(
        _step(token),
        {"postal_code": "1000001", "address": "東京都千代田区千代田", "lookup": "postal_code"},
    )
    forced = browser.post(
        _step(token),
        {"postal_code": "1000001", "address": "東京都千代田区", "lookup_replace": "postal_code"},
    )

    assert CARD_ADDRESS in page and 'name="lookup"' not in page
    for response in (looked_up, forced):
        assert response.status_code == 200
        assert f'value="{CARD_ADDRESS}"' in response.text
        assert "東京都千代田区" not in response.text
        assert "comes from your My Number Card and was not changed" in response.text
    assert Draft.objects.get().answers["address"] == CARD_ADDRESS


def test_saving_for_later_never_keeps_a_typed_value_for_a_locked_field(
    provider: IdentityProvider,  # noqa: F811
    op: FakeOP,  # noqa: F811
    version: FormVersion,
) -> None:
    browser: Client = _browser()
    token, _back = _start_with_card(browser, op, version)

    browser.post(
        _step(token),
        {"name": "別人 花子", "address": "東京都千代田区", "phone": "abc", "action": "save"},
    )
    page = browser.get(_step(token)).text

    draft = Draft.objects.get()
    assert draft.typed == {"phone": "abc"}
    assert draft.answers["address"] == CARD_ADDRESS
    assert "別人" not in page and "東京都千代田区" not in page
