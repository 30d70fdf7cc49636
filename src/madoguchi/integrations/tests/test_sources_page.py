"""The LGWAN node's pull sources page: read only, for the city's administrators."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from madoguchi.integrations import mirror
from madoguchi.integrations.models import PendingPush, PullSource
from madoguchi.integrations.tests.test_pull import _pulled
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status
from madoguchi.tenants.models import Department, StaffRole
from madoguchi.testing.factories import StaffFactory, publish_form
from madoguchi.testing.staff import LogIn

PAGE = reverse("integrations:sources")
SOURCES = [
    {
        "name": "internet",
        "base_url": "https://relay.example.lg.jp",
        "client_id": "mdg_lgwan",
        "secret": "s3cret-never-shown",
    },
    {
        "name": "second",
        "base_url": "https://relay2.example.lg.jp",
        "client_id": "mdg_two",
        "secret": "another-secret",
    },
]


@pytest.fixture
def admin(department: Department) -> Any:
    return StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)


def test_an_admin_sees_each_source_its_cursor_error_waiting_and_given_up_changes(
    department: Department, admin: Any, log_in: LogIn
) -> None:
    version = publish_form(department=department, slug="jido-teate")
    source = PullSource.objects.create(
        name="internet",
        base_url="https://relay.example.lg.jp",
        client_id="mdg_lgwan",
        cursor=42,
        last_pull_at=timezone.now(),
        last_error="1 status change(s) refused, the internet node's status kept: …",
    )
    submission, _created = mirror.store(source=source, pulled=_pulled(version), cursor=42)
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    with override_settings(MADOGUCHI_NODE_ROLE="lgwan"):
        workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
        workflow.change_status(
            submission=submission, to_status=Status.REJECTED, staff=staff, reason="期限切れ"
        )
    first, second = PendingPush.objects.order_by("change__at")
    PendingPush.objects.filter(pk=first.pk).update(last_error="refused: HTTP 409 status_refused")

    with override_settings(MADOGUCHI_NODE_ROLE="lgwan", MADOGUCHI_PULL_SOURCES=SOURCES):
        page = log_in(admin).get(PAGE, HTTP_ACCEPT_LANGUAGE="ja")

    assert page.status_code == 200
    text = page.content.decode()
    assert "取得元" in text  # Japanese first
    for shown in ("internet", "https://relay.example.lg.jp", "mdg_lgwan", "42", "second"):
        assert shown in text
    assert "s3cret" not in text and "another-secret" not in text
    assert "refused, the internet node&#x27;s status kept" in text
    assert 'data-testid="waiting">1<' in text
    given_up = text[text.index('data-testid="given-up"') :]
    assert submission.receipt_number in given_up
    assert "HTTP 409 status_refused" in given_up and "refused: " not in given_up
    assert second.pushed_at is None


def test_department_staff_are_told_to_ask_the_dx_office(
    department: Department, staff: Any, log_in: LogIn
) -> None:
    page = log_in(staff).get(PAGE)

    assert page.status_code == 403
    assert "DX" in page.content.decode()


def test_the_integrations_home_links_to_it_for_admins(
    department: Department, admin: Any, log_in: LogIn
) -> None:
    assert PAGE in log_in(admin).get(reverse("integrations:index")).content.decode()


def test_another_node_says_it_pulls_from_nowhere(
    department: Department, admin: Any, log_in: LogIn
) -> None:
    with override_settings(MADOGUCHI_PULL_SOURCES=[]):
        text = log_in(admin).get(PAGE).content.decode()

    assert 'data-testid="not-lgwan"' in text and 'data-testid="no-sources"' in text
