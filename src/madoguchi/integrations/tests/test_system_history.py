"""What a back-office system does reads as the system's act: a status it sets and an
acknowledgement, in the resident's やりとり履歴 and the staff's history (issue 20)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from madoguchi.core import events
from madoguchi.integrations import clients_services
from madoguchi.integrations.models import FeedEntry, FeedKind
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions.models import Submission
from madoguchi.submissions.resident_views import history_rows
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory, publish_form, submit_application

BASE = "/api/v1/system"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


def system(department: Department, scope: str = "read_status") -> Client:
    """A registered back-office system of ``department`` holding a token."""
    admin: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    issued = clients_services.register_client(
        staff=admin, name="基幹システム", departments=[department], forms=[], scope=scope
    )
    credentials = f"{issued.client.client_id}:{issued.secret}".encode()
    answer = Client().post(
        f"{BASE}/token",
        {"grant_type": "client_credentials"},
        headers={"authorization": "Basic " + base64.b64encode(credentials).decode()},
        secure=True,
    )
    assert answer.status_code == 200, answer.content
    return Client(headers={"authorization": f"Bearer {answer.json()['access_token']}"})


def change(submission: Submission, kind: str = FeedKind.SUBMITTED) -> FeedEntry:
    return FeedEntry.objects.create(
        municipality_id=submission.municipality_id,
        department_id=submission.department_id,
        submission=submission,
        kind=kind,
        at=timezone.now(),
        status=submission.status,
    )


def ack(client: Client, submission: Submission, cursor: int) -> int:
    answer = client.post(
        f"{BASE}/applications/{submission.public_id}/ack",
        {"cursor": cursor},
        content_type="application/json",
    )
    return int(answer.status_code)


def acks_of(submission: Submission) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            event=events.Event.SYSTEM_ACKNOWLEDGED.value,
            subject=events.submission_subject(submission.public_id),
        ).order_by("index")
    )


def shown(submission: Submission, language: str) -> list[tuple[str, str]]:
    with translation.override(language):
        return [
            (str(row["actor"]), str(row["action"]))
            for row in history_rows([submission], language=language)
        ]


def test_a_status_set_by_a_system_reads_as_the_systems_act_in_both_languages(
    department: Department,
) -> None:
    submission = submit_application(publish_form(department=department))

    answer = system(department).post(
        f"{BASE}/applications/{submission.public_id}/status",
        {"status": "in_review", "message": "", "idempotency_key": "k1"},
        content_type="application/json",
    )

    assert answer.status_code == 200, answer.content
    japanese = shown(submission, "ja")
    assert (
        f"基幹システム（{department.name}）",
        "基幹システムが処理状況を更新しました",
    ) in japanese
    assert not any(action == "処理状況が変わりました" for _, action in japanese)
    english_name = department.localized_name("en")
    assert (
        f"Back-office system ({english_name})",
        "A back-office system updated the status",
    ) in shown(submission, "en")


def test_the_staff_history_names_the_system_not_the_applicant(
    department: Department,
    staff: StaffMember,
    log_in: Callable[[StaffMember], Client],
) -> None:
    submission = submit_application(publish_form(department=department))
    system(department).post(
        f"{BASE}/applications/{submission.public_id}/status",
        {"status": "in_review", "message": "確認を始めました", "idempotency_key": "k1"},
        content_type="application/json",
    )

    page = log_in(staff).get(reverse("backoffice:detail", args=[submission.receipt_number]))

    history = page.content.decode().split('data-testid="status-history"')[1].split("</ol>")[0]
    # The staff page is in the staff member's language (English for the factory's).
    assert (
        f"基幹システム（{department.name}）" in history
        or f"Back-office system ({department.localized_name('en')})" in history
    )
    assert "確認を始めました" in history
    assert "申請者" not in history and "the applicant" not in history


def test_a_status_set_by_staff_still_names_the_staff_member(
    department: Department,
    staff: StaffMember,
    log_in: Callable[[StaffMember], Client],
) -> None:
    submission = submit_application(publish_form(department=department))
    browser = log_in(staff)
    browser.post(
        reverse("backoffice:change_status", args=[submission.receipt_number]),
        {"to_status": "in_review"},
    )

    page = browser.get(reverse("backoffice:detail", args=[submission.receipt_number]))

    history = page.content.decode().split('data-testid="status-history"')[1].split("</ol>")[0]
    assert staff.display_name in history
    assert "基幹システム" not in history and "Back-office system" not in history
    assert "処理状況が変わりました" in [action for _, action in shown(submission, "ja")]


def test_each_new_cursor_acknowledged_is_one_ledger_event_and_retries_add_none(
    department: Department,
) -> None:
    submission = submit_application(publish_form(department=department))
    first, later = change(submission), change(submission, FeedKind.STATUS_CHANGED)
    client = system(department, scope="read")

    answers = [
        ack(client, submission, first.pk),
        ack(client, submission, first.pk),  # a retry
        ack(client, submission, later.pk),
        ack(client, submission, later.pk),
        ack(client, submission, first.pk),  # an older cursor
    ]

    assert answers == [204] * 5
    recorded = acks_of(submission)
    assert [entry.detail["cursor"] for entry in recorded] == [str(first.pk), str(later.pk)]
    assert recorded[0].detail == {
        "department": department.code,
        "by": "system",
        "cursor": str(first.pk),
    }
    assert recorded[0].actor.startswith("system_client:")


def test_a_refused_ack_records_nothing(department: Department) -> None:
    submission = submit_application(publish_form(department=department))
    other = submit_application(submission.form_version)
    client = system(department, scope="read")

    assert ack(client, submission, change(other).pk) == 422

    assert acks_of(submission) == []


def test_the_resident_reads_the_acknowledgement_as_the_systems_act(
    department: Department,
) -> None:
    submission = submit_application(publish_form(department=department))

    ack(system(department, scope="read"), submission, change(submission).pk)

    assert (
        f"基幹システム（{department.name}）",
        "基幹システムが受領を確認しました",
    ) in shown(submission, "ja")
    assert (
        f"Back-office system ({department.localized_name('en')})",
        "A back-office system confirmed receipt",
    ) in shown(submission, "en")
