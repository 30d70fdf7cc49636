"""/staff/integrations/keys/: a city admin registers public keys (fingerprints to compare),
rotates a department's key and switches encryption on for a form; others may not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.integrations import crypto
from madoguchi.integrations.models import EncryptionKey, EncryptionPolicy, KeyPurpose
from madoguchi.ledger.models import LedgerEntry
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory, publish_form
from madoguchi.testing.staff import LogIn, log_in_staff

pytestmark = pytest.mark.django_db

KEYS_URL = reverse("integrations:keys")
POLICY_URL = reverse("integrations:key_policy")


@pytest.fixture
def admin(department: Department) -> StaffMember:
    return StaffFactory(  # type: ignore[return-value]
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )


@pytest.fixture
def browser(admin: StaffMember) -> Client:
    return log_in_staff(admin, language="ja")


def _public() -> str:
    return crypto.b64encode(crypto.generate_keypair()[1])


def test_an_admin_registers_a_department_key_and_sees_its_fingerprint(
    browser: Client, department: Department
) -> None:
    public = _public()

    response = browser.post(
        KEYS_URL,
        {"purpose": "department", "department": department.pk, "public_key": public},
        follow=True,
    )

    key = EncryptionKey.objects.get()
    assert key.fingerprint == crypto.fingerprint(crypto.b64decode(public))
    text = response.content.decode()
    assert "フィンガープリントがLGWAN側ノードで表示されたものと同じか確認してください" in text
    assert text.count(key.fingerprint) >= 2  # in the message and in the table
    assert LedgerEntry.objects.filter(
        event=events.Event.CONFIG_CHANGED.value, subject=f"encryption_key:{key.pk}"
    ).exists()


def test_a_new_key_retires_the_departments_previous_key(
    browser: Client, department: Department
) -> None:
    for _ in range(2):
        browser.post(
            KEYS_URL,
            {"purpose": "department", "department": department.pk, "public_key": _public()},
        )

    first, second = EncryptionKey.objects.order_by("pk")
    assert first.retired_at is not None and second.retired_at is None
    page = browser.get(KEYS_URL).content.decode()
    assert "に退役" in page and "現行" in page


def test_a_key_that_is_not_a_key_is_refused_with_what_to_paste(
    browser: Client, department: Department
) -> None:
    response = browser.post(
        KEYS_URL, {"purpose": "department", "department": department.pk, "public_key": "abc"}
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "X25519の公開鍵ではありません" in text
    assert 'aria-invalid="true"' in text
    assert not EncryptionKey.objects.exists()


def test_a_department_key_needs_its_department(browser: Client) -> None:
    response = browser.post(KEYS_URL, {"purpose": "department", "public_key": _public()})

    assert response.status_code == 422
    assert "鍵を使う担当課を選んでください" in response.content.decode()


def test_encryption_cannot_be_turned_on_before_the_keys_then_can(
    browser: Client, department: Department
) -> None:
    version = publish_form(department=department, slug="policy")

    refused = browser.post(POLICY_URL, {"form": version.form.pk, "enabled": "on"})

    assert refused.status_code == 422
    assert "先に自治体の復旧用鍵（エスクロー）を登録してください" in refused.content.decode()
    browser.post(KEYS_URL, {"purpose": "escrow", "public_key": _public()})
    browser.post(
        KEYS_URL, {"purpose": "department", "department": department.pk, "public_key": _public()}
    )

    turned_on = browser.post(POLICY_URL, {"form": version.form.pk, "enabled": "on"})

    assert turned_on.status_code == 302
    assert EncryptionPolicy.objects.get(form=version.form).enabled
    assert EncryptionKey.objects.filter(purpose=KeyPurpose.ESCROW).count() == 1


def test_department_staff_may_not_see_or_change_keys(
    staff: StaffMember, log_in: LogIn, department: Department
) -> None:
    browser = log_in(staff)

    assert browser.get(KEYS_URL).status_code == 403
    assert browser.post(KEYS_URL, {"purpose": "escrow", "public_key": _public()}).status_code == 403
    assert browser.post(POLICY_URL, {"enabled": "on"}).status_code == 403
    assert not EncryptionKey.objects.exists()
