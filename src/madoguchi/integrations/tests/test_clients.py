"""The city admin pages of the system API's clients (/staff/integrations/clients/)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.urls import reverse

from madoguchi.core import events
from madoguchi.integrations import clients_services
from madoguchi.integrations.models import ClientSecret, SystemClient
from madoguchi.ledger.models import LedgerEntry
from madoguchi.tenants.models import Department, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form
from madoguchi.testing.staff import LogIn

LIST = reverse("integrations:clients")
NEW = reverse("integrations:client_new")


@pytest.fixture
def admin_browser(department: Department, log_in: LogIn) -> Any:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    return log_in(admin)


def register(browser: Any, department: Department, **fields: Any) -> Any:
    return browser.post(
        NEW,
        {"name": "住民記録システム", "departments": [department.pk], "scope": "read", **fields},
    )


def test_department_staff_get_403_on_every_client_page(
    department: Department, staff: Any, log_in: LogIn
) -> None:
    browser = log_in(staff)

    answers = [browser.get(LIST), browser.get(NEW), register(browser, department)]

    assert [a.status_code for a in answers] == [403, 403, 403]
    assert "administrators" in answers[0].content.decode()
    assert not SystemClient.objects.exists()


def test_registering_shows_the_secret_once_and_keeps_only_its_hash(
    department: Department, admin_browser: Any
) -> None:
    answer = register(admin_browser, department, scope="read_status")

    assert answer.status_code == 201
    assert answer["Cache-Control"] == "no-store"
    client = SystemClient.objects.get()
    secret = answer.context["secret"]
    assert secret in answer.content.decode()
    assert ClientSecret.objects.get().secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert client.scope == "read_status"
    assert list(client.departments.all()) == [department]
    listed = admin_browser.get(LIST).content.decode()
    detail = admin_browser.get(reverse("integrations:client_detail", args=[client.pk]))
    assert client.client_id in listed
    assert secret not in listed and secret not in detail.content.decode()
    assert secret[-4:] in detail.content.decode()
    entry = LedgerEntry.objects.get(event=events.Event.CONFIG_CHANGED.value)
    assert entry.subject == f"system_client:{client.client_id}"
    assert entry.detail["change"] == "registered"
    assert secret not in str(entry.detail)


def test_the_register_form_says_what_to_fix_in_japanese_and_english(
    department: Department, admin_browser: Any
) -> None:
    other = DepartmentFactory(municipality=department.municipality)
    form_of_other = publish_form(department=other, slug="other").form

    empty = admin_browser.post(NEW, {}, headers={"accept-language": "en"})
    mismatched = admin_browser.post(
        NEW,
        {
            "name": "x",
            "departments": [department.pk],
            "only_forms": [form_of_other.pk],
            "scope": "read",
        },
        headers={"accept-language": "ja"},
    )

    assert empty.status_code == 422
    text = empty.content.decode()
    assert "Enter the name of the system." in text
    assert "Choose at least one department." in text
    assert "Choose what the system may do." in text
    assert 'href="#id_departments_0"' in text
    assert mismatched.status_code == 422
    assert "選んだ担当課のフォームだけを選ぶか" in mismatched.content.decode()
    assert not SystemClient.objects.exists()


def test_another_citys_department_cannot_be_chosen(
    department: Department, admin_browser: Any
) -> None:
    elsewhere = DepartmentFactory()

    answer = register(admin_browser, elsewhere)

    assert answer.status_code == 422
    assert not SystemClient.objects.exists()


def test_rotating_shows_a_new_secret_and_gives_the_old_one_a_grace_period(
    department: Department, admin_browser: Any
) -> None:
    register(admin_browser, department)
    client = SystemClient.objects.get()

    rotated = admin_browser.post(
        reverse("integrations:client_rotate", args=[client.pk]), {"grace": "grace"}
    )
    at_once = admin_browser.post(
        reverse("integrations:client_rotate", args=[client.pk]), {"grace": "now"}
    )
    nothing = admin_browser.post(reverse("integrations:client_rotate", args=[client.pk]), {})

    assert rotated.status_code == 201 and at_once.status_code == 201
    assert rotated.context["secret"] != at_once.context["secret"]
    secrets = list(ClientSecret.objects.order_by("pk"))
    assert [s.revoked_at is not None for s in secrets] == [True, True, False]
    assert nothing.status_code == 422


def test_revoking_needs_the_box_ticked_and_then_stops_the_client(
    department: Department, admin_browser: Any
) -> None:
    register(admin_browser, department)
    client = SystemClient.objects.get()
    url = reverse("integrations:client_revoke", args=[client.pk])

    unticked = admin_browser.post(url, {})
    ticked = admin_browser.post(url, {"confirm": "on"})

    assert unticked.status_code == 422
    assert ticked.status_code == 302
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert not ClientSecret.objects.filter(revoked_at__isnull=True).exists()


def test_another_citys_client_is_not_found(department: Department, admin_browser: Any) -> None:
    elsewhere = DepartmentFactory()
    foreign_admin = StaffFactory(
        municipality=elsewhere.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    foreign = clients_services.register_client(
        staff=foreign_admin, name="x", departments=[elsewhere], forms=[], scope="read"
    ).client

    assert (
        admin_browser.get(reverse("integrations:client_detail", args=[foreign.pk])).status_code
        == 404
    )
    revoke = admin_browser.post(
        reverse("integrations:client_revoke", args=[foreign.pk]), {"confirm": "on"}
    )
    assert revoke.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_every_form_carries_a_csrf_token(department: Department, admin_browser: Any) -> None:
    register(admin_browser, department)
    client = SystemClient.objects.get()

    pages = [
        admin_browser.get(NEW),
        admin_browser.get(reverse("integrations:client_detail", args=[client.pk])),
    ]

    for page in pages:
        text = page.content.decode()
        assert text.count("<form") == text.count('name="csrfmiddlewaretoken"')
