"""/staff/integrations/webhooks/: a city admin adds a webhook (its secret shown, rotated),
disables and re-enables it; a department's staff see their own webhooks' log and replay."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import webhook_services
from madoguchi.integrations.models import FeedKind, WebhookDelivery, WebhookEndpoint
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, submit_application
from madoguchi.testing.staff import LogIn, log_in_staff

pytestmark = pytest.mark.django_db

LIST_URL = reverse("integrations:webhooks")
NEW_URL = reverse("integrations:webhook_new")


@pytest.fixture(autouse=True)
def loopback(settings: Any) -> None:
    settings.MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = True


@pytest.fixture
def admin(department: Department) -> StaffMember:
    return StaffFactory(  # type: ignore[return-value]
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )


@pytest.fixture
def browser(admin: StaffMember) -> Client:
    return log_in_staff(admin, language="ja")


def add(admin: StaffMember, department: Department) -> WebhookEndpoint:
    return webhook_services.create_endpoint(
        staff=admin,
        department=department,
        url="https://kikan.city.example.jp/hooks/madoguchi",
        event_types=[],
        description="児童手当システム",
    )


def test_an_admin_adds_a_webhook_and_sees_its_secret(
    browser: Client, department: Department
) -> None:
    response = browser.post(
        NEW_URL,
        {
            "department": department.pk,
            "url": "https://kikan.city.example.jp/hooks/madoguchi",
            "event_types": [FeedKind.SUBMITTED, FeedKind.RESUBMITTED],
            "description": "児童手当システム",
        },
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.department == department
    assert endpoint.event_types == sorted([FeedKind.SUBMITTED, FeedKind.RESUBMITTED])
    assert endpoint.created_by is not None
    page = response.content.decode()
    assert endpoint.secret in page
    assert "児童手当システム" in page


def test_an_http_address_is_refused_with_what_to_fix_in_japanese(
    browser: Client, department: Department
) -> None:
    response = browser.post(
        NEW_URL, {"department": department.pk, "url": "http://kikan.city.example.jp/hook"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "https://" in page
    assert 'aria-invalid="true"' in page
    assert "error-summary" in page
    assert WebhookEndpoint.objects.count() == 0


def test_an_empty_form_names_each_field_to_fill(browser: Client) -> None:
    response = browser.post(NEW_URL, {})

    assert response.status_code == 422
    assert response.content.decode().count('class="error-message"') == 2


def test_rotating_shows_a_new_secret_and_keeps_the_old_one_for_a_day(
    browser: Client, admin: StaffMember, department: Department
) -> None:
    endpoint = add(admin, department)
    old = endpoint.secret

    response = browser.post(reverse("integrations:webhook_rotate", args=[endpoint.pk]), follow=True)

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    assert endpoint.secret in response.content.decode()


def test_an_admin_disables_and_re_enables_a_webhook(
    browser: Client, admin: StaffMember, department: Department
) -> None:
    endpoint = add(admin, department)

    browser.post(reverse("integrations:webhook_disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    browser.post(reverse("integrations:webhook_enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_department_staff_see_their_webhook_and_its_log_without_the_secret_and_replay(
    log_in: LogIn,
    admin: StaffMember,
    staff: StaffMember,
    department: Department,
    form_version: FormVersion,
) -> None:
    endpoint = add(admin, department)
    submit_application(form_version)
    delivery = WebhookDelivery.objects.get()
    browser = log_in(staff)

    listing = browser.get(LIST_URL)
    detail = browser.get(reverse("integrations:webhook", args=[endpoint.pk]))
    log = browser.get(reverse("integrations:webhook_delivery", args=[delivery.pk]))
    replay = browser.post(reverse("integrations:webhook_replay", args=[delivery.pk]))

    assert endpoint.url in listing.content.decode()
    assert endpoint.secret not in detail.content.decode()
    assert delivery.message_id in detail.content.decode()
    assert "&quot;type&quot;: &quot;submission.submitted&quot;" in log.content.decode()
    assert replay.status_code == 302
    delivery.refresh_from_db()
    assert delivery.replay_requested
    assert browser.get(NEW_URL).status_code == 403
    assert (
        browser.post(reverse("integrations:webhook_rotate", args=[endpoint.pk])).status_code == 403
    )


def test_staff_of_another_department_do_not_see_the_webhook(
    log_in: LogIn, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint = add(admin, department)
    submit_application(form_version)
    delivery = WebhookDelivery.objects.get()
    other = StaffFactory(
        municipality=department.municipality,
        departments=[DepartmentFactory(municipality=department.municipality)],
    )
    browser = log_in(other)

    assert endpoint.url not in browser.get(LIST_URL).content.decode()
    assert browser.get(reverse("integrations:webhook", args=[endpoint.pk])).status_code == 404
    log = reverse("integrations:webhook_delivery", args=[delivery.pk])
    assert browser.get(log).status_code == 404
    assert (
        browser.post(reverse("integrations:webhook_replay", args=[delivery.pk])).status_code == 404
    )


def test_an_admin_of_another_city_does_not_see_the_webhook(
    log_in: LogIn, admin: StaffMember, department: Department
) -> None:
    endpoint = add(admin, department)
    elsewhere = StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)

    response = log_in(elsewhere).get(reverse("integrations:webhook", args=[endpoint.pk]))

    assert response.status_code == 404
