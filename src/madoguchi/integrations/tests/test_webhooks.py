"""Signed webhooks against a real receiver on loopback that verifies every request with the
``standardwebhooks`` library: delivery, retries on the Standard Webhooks schedule, timeouts,
replay, disabling with its notice, departments kept apart, no personal data in the payload."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import webhook_services, webhooks
from madoguchi.integrations.models import (
    DeliveryStatus,
    FeedKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from madoguchi.integrations.webhook_services import WebhookRefused
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    UserFactory,
    publish_form,
    submit_application,
)

pytestmark = pytest.mark.django_db


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: Any  # what Webhook(secret).verify returned


@dataclass
class Receiver:
    """A back-office system's webhook receiver: verifies each request with the library."""

    server: ThreadingHTTPServer
    secrets: dict[str, str] = field(default_factory=dict)  # path -> whsec_...
    plan: list[int | float] = field(default_factory=list)  # status, or seconds to stall
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                action: int | float = receiver.plan.pop(0) if receiver.plan else 200
            try:
                payload = Webhook(receiver.secrets[self.path]).verify(body, headers)
            except Exception as error:  # a wrong signature must fail the test
                receiver.refused.append(f"{self.path}: {error}")
                self.send_response(400)
                self.end_headers()
                return
            with receiver.lock:
                receiver.received.append(Received(self.path, headers, body, payload))
            if isinstance(action, float):
                time.sleep(action)
                action = 200
            self.send_response(action)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    made = Receiver(server=server)
    server.RequestHandlerClass = _handler(made)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield made
    server.shutdown()
    server.server_close()
    assert made.refused == [], "a request did not verify"


@pytest.fixture(autouse=True)
def webhook_settings(settings: Any) -> None:
    settings.MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    settings.MADOGUCHI_WEBHOOK_TIMEOUTS = (1.0, 0.5)


@pytest.fixture
def admin(department: Department) -> StaffMember:
    user = UserFactory(email="dx-admin@city.example.jp")
    made: StaffMember = StaffFactory(
        user=user, municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    return made


def endpoint_for(
    receiver: Receiver,
    admin: StaffMember,
    department: Department,
    *,
    path: str = "/hook",
    event_types: list[str] | None = None,
) -> WebhookEndpoint:
    endpoint = webhook_services.create_endpoint(
        staff=admin,
        department=department,
        url=receiver.url(path),
        event_types=event_types or [],
        description="基幹システム",
    )
    receiver.secrets[path] = endpoint.secret
    return endpoint


def delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def later(seconds: float, start: datetime | None = None) -> datetime:
    return (start or timezone.now()) + timedelta(seconds=seconds)


# --- delivery -------------------------------------------------------------------------------


def test_a_submission_is_delivered_signed_with_ids_and_no_personal_data(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint = endpoint_for(receiver, admin, department)
    submission = submit_application(form_version)

    assert webhooks.deliver_due() == 1

    [got] = receiver.received
    assert got.headers["webhook-id"] == delivery().message_id
    assert got.headers["content-type"] == "application/json"
    assert got.payload["type"] == FeedKind.SUBMITTED
    assert got.payload["data"] == {
        "id": str(submission.public_id),
        "receipt_number": submission.receipt_number,
        "status": Status.RECEIVED,
        "department": department.code,
        "form": form_version.form.slug,
        "cursor": delivery().feed_entry_id,
        "reference": None,
    }
    body = got.body.decode()
    for answer in ("加賀", "カガ", "taro@example.jp", "visit"):
        assert answer not in body
    assert delivery().status == DeliveryStatus.SUCCEEDED
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.replay) == (200, False)
    assert endpoint.secret.startswith("whsec_")


def test_the_delivery_is_sent_by_the_task_once_the_change_commits(
    receiver: Receiver,
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint_for(receiver, admin, department)

    with django_capture_on_commit_callbacks(execute=True):
        submit_application(form_version)

    assert len(receiver.received) == 1
    assert delivery().status == DeliveryStatus.SUCCEEDED


def test_the_timer_command_sends_what_is_due(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    out = io.StringIO()

    call_command("deliver_webhooks", stdout=out)

    assert out.getvalue().strip() == "webhook attempts: 1"
    assert len(receiver.received) == 1
    assert delivery().status == DeliveryStatus.SUCCEEDED


def test_a_failing_receiver_is_retried_on_the_schedule_with_the_same_webhook_id(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    receiver.plan = [500, 503]
    start = timezone.now()

    webhooks.deliver_due(now=start)
    assert delivery().status == DeliveryStatus.FAILED
    assert delivery().next_attempt_at == later(5, start)
    assert webhooks.deliver_due(now=later(4, start)) == 0
    webhooks.deliver_due(now=later(5, start))
    assert delivery().next_attempt_at == later(5 + 300, start)
    webhooks.deliver_due(now=later(305, start))

    assert delivery().status == DeliveryStatus.SUCCEEDED
    assert len(set(receiver.ids())) == 1
    log = list(WebhookAttempt.objects.order_by("pk").values_list("status_code", "error"))
    assert log == [(500, "HTTP 500"), (503, "HTTP 503"), (200, "")]


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    receiver.plan = [1.5]

    webhooks.deliver_due()

    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (None, "timeout")
    assert delivery().status == DeliveryStatus.FAILED


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    receiver.plan = [302]

    webhooks.deliver_due()

    assert len(receiver.received) == 1
    assert WebhookAttempt.objects.get().error == "HTTP 302 (redirects are not followed)"


def test_after_the_last_retry_the_delivery_is_dead(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    receiver.plan = [500] * 8
    now = timezone.now()

    for wait in webhooks.retry_schedule():
        now = later(wait, now)
        assert webhooks.deliver_due(now=now) == 1

    assert delivery().status == DeliveryStatus.DEAD
    assert delivery().attempts == 8
    assert delivery().next_attempt_at is None
    assert webhooks.deliver_due(now=later(86400, now)) == 0


def test_staff_replay_a_delivery_with_the_same_webhook_id(
    receiver: Receiver,
    admin: StaffMember,
    staff: StaffMember,
    department: Department,
    form_version: FormVersion,
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    webhooks.deliver_due()

    webhook_services.replay(staff=staff, delivery=delivery())
    webhooks.deliver_due()

    first, again = receiver.ids()
    assert first == again
    assert receiver.received[0].body == receiver.received[1].body
    assert list(WebhookAttempt.objects.order_by("pk").values_list("replay", flat=True)) == [
        False,
        True,
    ]
    assert delivery().status == DeliveryStatus.SUCCEEDED
    assert not delivery().replay_requested


def test_a_replayed_dead_delivery_that_succeeds_is_delivered(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    WebhookDelivery.objects.update(status=DeliveryStatus.DEAD, next_attempt_at=None, attempts=8)

    webhook_services.replay(staff=admin, delivery=delivery())
    webhooks.deliver_due()

    assert delivery().status == DeliveryStatus.SUCCEEDED
    assert delivery().attempts == 8


def test_staff_of_another_department_cannot_replay(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    other = StaffFactory(
        municipality=department.municipality,
        departments=[DepartmentFactory(municipality=department.municipality)],
    )

    with pytest.raises(WebhookRefused):
        webhook_services.replay(staff=other, delivery=delivery())


# --- disabling ------------------------------------------------------------------------------


def test_an_endpoint_failing_for_five_days_is_disabled_with_a_notice_and_can_be_re_enabled(
    receiver: Receiver,
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    department.email = "kosodate@city.example.jp"
    department.save()
    endpoint = endpoint_for(receiver, admin, department)
    submission = submit_application(form_version)
    receiver.plan = [500] * 4
    start = timezone.now()
    webhooks.deliver_due(now=start)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    webhooks.deliver_due(now=later(3 * 86400, start))  # both fail, not five days yet
    endpoint.refresh_from_db()
    assert endpoint.enabled

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_due(now=later(5 * 86400, start))

    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == webhooks.DISABLED_FAILING
    [notice] = mail.outbox
    assert sorted(notice.to) == ["dx-admin@city.example.jp", "kosodate@city.example.jp"]
    assert department.name in notice.subject
    assert endpoint.url in notice.body
    workflow.change_status(submission=submission, to_status=Status.APPROVED, staff=staff)
    assert WebhookDelivery.objects.count() == 2  # nothing made while disabled
    assert webhooks.deliver_due(now=later(6 * 86400, start)) == 0

    webhook_services.enable(staff=admin, endpoint=endpoint)
    sent = webhooks.deliver_due(now=later(6 * 86400, start))

    assert sent == 2  # the waiting retries go at once
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 2


def test_a_success_between_failures_starts_the_five_days_again(
    receiver: Receiver,
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    staff: StaffMember,
) -> None:
    endpoint = endpoint_for(receiver, admin, department)
    submission = submit_application(form_version)
    start = timezone.now()
    receiver.plan = [500, 200, 500]
    webhooks.deliver_due(now=start)
    webhooks.deliver_due(now=later(4 * 86400, start))  # the retry succeeds
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)

    webhooks.deliver_due(now=later(6 * 86400, start))

    endpoint.refresh_from_db()
    assert endpoint.enabled


# --- what goes where ------------------------------------------------------------------------


def test_a_department_never_receives_another_departments_events(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    other = DepartmentFactory(municipality=department.municipality)
    endpoint_for(receiver, admin, department, path="/mine")
    endpoint_for(receiver, admin, other, path="/theirs")
    theirs = submit_application(publish_form(department=other, slug="theirs"))
    mine = submit_application(form_version)

    webhooks.deliver_due()

    by_path = {r.path: r.payload["data"]["id"] for r in receiver.received}
    assert by_path == {"/mine": str(mine.public_id), "/theirs": str(theirs.public_id)}


def test_an_endpoint_gets_only_the_events_it_takes(
    receiver: Receiver,
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    staff: StaffMember,
) -> None:
    endpoint_for(receiver, admin, department, event_types=[FeedKind.STATUS_CHANGED])
    submission = submit_application(form_version)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)

    webhooks.deliver_due()

    [got] = receiver.received
    assert got.payload["type"] == FeedKind.STATUS_CHANGED
    assert got.payload["data"]["status"] == Status.IN_REVIEW


def test_after_a_rotation_both_secrets_verify_for_a_day(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint = endpoint_for(receiver, admin, department)
    old = endpoint.secret
    rotated = webhook_services.rotate_secret(staff=admin, endpoint=endpoint)
    submit_application(form_version)

    webhooks.deliver_due()  # the receiver still has the old secret

    [got] = receiver.received
    assert rotated.secret != old
    Webhook(rotated.secret).verify(got.body, got.headers)
    assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_only_https_is_accepted_except_loopback_where_allowed(
    admin: StaffMember, department: Department, settings: Any
) -> None:
    def make(url: str) -> WebhookEndpoint:
        return webhook_services.create_endpoint(
            staff=admin, department=department, url=url, event_types=[]
        )

    assert make("https://kikan.city.example.jp/hook").url == "https://kikan.city.example.jp/hook"
    assert make("http://127.0.0.1:8080/hook").url == "http://127.0.0.1:8080/hook"
    with pytest.raises(WebhookRefused):
        make("http://kikan.city.example.jp/hook")
    settings.MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(WebhookRefused):
        make("http://127.0.0.1:8080/hook")
    with pytest.raises(WebhookRefused):
        make("https://user:pass@kikan.city.example.jp/hook")


def test_department_staff_cannot_add_a_webhook(staff: StaffMember, department: Department) -> None:
    with pytest.raises(WebhookRefused):
        webhook_services.create_endpoint(
            staff=staff, department=department, url="https://x.example.jp/", event_types=[]
        )


# --- two workers ----------------------------------------------------------------------------


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads on SQLite's shared in-memory test database meet table locks, not rows",
)


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(
    receiver: Receiver, admin: StaffMember, department: Department, form_version: FormVersion
) -> None:
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    now = timezone.now()

    first = webhooks.claim_due(now=now)
    second = webhooks.claim_due(now=now)
    after_lease = webhooks.claim_due(now=now + webhooks.LEASE + timedelta(seconds=1))

    assert first == [delivery().pk]
    assert second == []
    assert after_lease == first  # a worker that died lets it go
    assert receiver.received == []


@pytest.fixture
def queue_without_worker(settings: Any) -> None:
    """Commits enqueue the sending task into a queue nobody runs: the test's workers send."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.django_db(transaction=True)
@postgresql_only
@pytest.mark.usefixtures("queue_without_worker")
def test_two_workers_never_send_the_same_delivery_twice(
    receiver: Receiver, department: Department, form_version: FormVersion
) -> None:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    endpoint_for(receiver, admin, department)
    for _ in range(12):
        submit_application(form_version)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            while sent := webhooks.deliver_due(limit=3):
                counts.append(sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(receiver.ids()) == sorted(set(receiver.ids()))
    assert len(receiver.ids()) == 12
    assert sum(counts) == 12
    assert WebhookAttempt.objects.count() == 12


@pytest.mark.django_db(transaction=True)
@postgresql_only
@pytest.mark.usefixtures("queue_without_worker")
def test_a_delivery_locked_by_another_worker_is_skipped_not_waited_for(
    department: Department, form_version: FormVersion, receiver: Receiver
) -> None:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    endpoint_for(receiver, admin, department)
    submit_application(form_version)
    submit_application(form_version)
    first, second = WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    holding = threading.Event()
    release = threading.Event()

    def other_worker() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(pk=first))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    holding.wait(10)
    started = time.monotonic()
    try:
        claimed = webhooks.claim_due(limit=10)
    finally:
        release.set()
        thread.join()

    assert claimed == [second]
    assert time.monotonic() - started < 2
