"""The counter's pages through the test client: the resident's pre-registration from the
review page, its code and status link; the clerk's counter screen from scan to accept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from madoguchi.counter import reference, services
from madoguchi.counter.models import (
    ApplicationState,
    Assurance,
    Preregistration,
    Visit,
)
from madoguchi.submissions.models import Channel, Submission
from madoguchi.testing import counter as counter_data
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- the resident ---------------------------------------------------------------------------


def test_the_start_page_offers_the_counter_and_the_review_ends_in_a_pre_registration() -> None:
    version = counter_data.counter_form()
    form = version.form
    start = reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])
    client = Client()

    choice = client.get(start)
    assert 'value="counter"' in choice.content.decode()
    started = client.post(start, {"channel": "counter"})
    token = started["Location"].split("/apply/")[1].split("/")[0]
    for number, answers in enumerate(counter_data.COUNTER_PAGES, start=1):
        client.post(reverse("submissions:step", args=[token, number]), answers | {"action": "next"})
    review = client.get(reverse("submissions:review", args=[token]))
    assert 'data-testid="preregister"' in review.content.decode()
    # The online send button is not there: posting to the review does not submit.
    client.post(reverse("submissions:review", args=[token]))
    assert not Submission.objects.exists()

    made = client.post(reverse("counter_resident:preregister", args=[token]))

    assert made.status_code == 302
    prereg = Preregistration.objects.get()
    assert made["Location"] == reverse("counter_resident:preregistered", args=[token])
    page = client.get(made["Location"]).content.decode()
    assert reference.grouped(prereg.reference) in page
    assert "<svg" in page and 'role="img"' in page
    assert "印鑑登録証" in page  # what to bring
    assert reverse("submissions:review", args=[token]) in page  # answers stay editable


def test_the_code_downloads_as_a_png() -> None:
    _prereg, token = counter_data.preregistration()

    response = Client().get(reverse("counter_resident:code_png", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_the_status_link_of_a_waiting_pre_registration_opens_its_page() -> None:
    _prereg, token = counter_data.preregistration()

    response = Client().get(reverse("submissions:status", args=[token]))

    assert response.status_code == 302
    assert response["Location"] == reverse("counter_resident:preregistered", args=[token])


def test_an_expired_pre_registration_says_so_and_shows_no_code() -> None:
    prereg, token = counter_data.preregistration()
    services.expire_overdue(now=prereg.expires_at + timedelta(seconds=1))

    page = Client().get(reverse("counter_resident:preregistered", args=[token])).content.decode()

    assert "有効期限が切れた" in page and "<svg" not in page


def test_once_accepted_the_link_opens_the_status_page() -> None:
    prereg, token = counter_data.preregistration()
    clerk = counter_data.clerk(prereg.department)
    visit = services.open_visit(clerk=clerk)
    application = services.check_in(visit=visit, preregistration=prereg, clerk=clerk)
    services.record_visual_check(visit=visit, clerk=clerk, documents=["driving_licence"])
    services.submit_application(application=counter_data.confirm(application), clerk=clerk)
    client = Client()

    page = client.get(reverse("counter_resident:preregistered", args=[token]))

    assert page["Location"] == reverse("submissions:status", args=[token])
    assert client.get(page["Location"]).status_code == 200


def test_an_unknown_link_is_not_found() -> None:
    assert Client().get(reverse("counter_resident:preregistered", args=["nope"])).status_code == 404


# --- the clerk ------------------------------------------------------------------------------


def staff_client(clerk: Any) -> Client:
    return log_in_staff(clerk)


def test_the_counter_screen_needs_a_staff_login() -> None:
    response = Client().get(reverse("counter:home"))

    assert response.status_code == 302 and "login" in response["Location"]


def test_a_typed_number_opens_a_visit_with_the_answers() -> None:
    prereg, _token = counter_data.preregistration()
    clerk = counter_data.clerk(prereg.department)
    client = staff_client(clerk)
    typed = reference.grouped(prereg.reference).lower().replace("-", " ")

    response = client.post(reverse("counter:home"), {"scan": typed, "counter_name": "3番窓口"})

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:visit", args=[visit.pk])
    page = client.get(response["Location"]).content.decode()
    assert "加賀 太郎" in page and "3番窓口" in page
    assert visit.counter_name == "3番窓口"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("K7QM", "not a pre-registration number"),
        ("22222222", "No pre-registration has this number"),
        ("", "Scan the resident"),
    ],
)
def test_a_bad_scan_is_refused_at_the_input(text: str, message: str) -> None:
    clerk = counter_data.clerk()
    client = staff_client(clerk)

    response = client.post(reverse("counter:home"), {"scan": text})

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page and 'aria-invalid="true"' in page
    assert not Visit.objects.exists()


def test_another_citys_pre_registration_is_refused() -> None:
    prereg, _token = counter_data.preregistration()
    client = staff_client(counter_data.clerk())

    response = client.post(reverse("counter:home"), {"scan": prereg.reference})

    assert response.status_code == 422
    assert "another municipality" in response.content.decode()


def test_starting_without_pre_registration_opens_an_empty_visit() -> None:
    client = staff_client(counter_data.clerk())

    response = client.post(reverse("counter:start"), {"counter_name": "1番"})

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert str(visit.pk) in response["Location"]


def test_the_edit_page_keeps_values_and_shows_every_problem() -> None:
    application, clerk = counter_data.checked_in()
    client = staff_client(clerk)
    url = reverse("counter:edit", args=[application.visit_id, application.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url, {"name": "加賀 太郎", "name_kana": "カガ タロウ", "method": "visit", "count": "99"}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "error-summary" in page and 'value="99"' in page
    assert "Say why the answers are changed" in page
    application.refresh_from_db()
    assert application.answers["count"] == 2


def test_an_edit_with_a_reason_is_saved_and_recorded() -> None:
    application, clerk = counter_data.checked_in()
    client = staff_client(clerk)
    url = reverse("counter:edit", args=[application.visit_id, application.pk])
    post = {
        "name": "加賀 太郎",
        "name_kana": "カガ タロウ",
        "email": "taro@example.jp",
        "method": "visit",
        "count": "4",
        "reason": "本人の申し出",
    }

    response = client.post(url, post)

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.answers["count"] == 4
    assert [e.field_key for e in application.edits.all()] == ["count"]


def test_identity_check_accept_and_close_from_the_visit_page() -> None:
    application, clerk = counter_data.checked_in()
    visit = application.visit
    client = staff_client(clerk)

    refused = client.post(reverse("counter:identity", args=[visit.pk]), {})
    assert refused.status_code == 422
    client.post(reverse("counter:identity", args=[visit.pk]), {"documents": ["driving_licence"]})
    visit.refresh_from_db()
    assert visit.assurance == Assurance.VISUAL
    # Not confirmed yet: refused with a message, nothing made.
    client.post(reverse("counter:accept", args=[visit.pk, application.pk]))
    assert not Submission.objects.exists()
    counter_data.confirm(application)

    accepted = client.post(reverse("counter:accept", args=[visit.pk, application.pk]))

    submission = Submission.objects.get()
    assert accepted.status_code == 302
    assert submission.channel == Channel.COUNTER
    inbox = client.get(reverse("backoffice:inbox")).content.decode()
    assert 'data-testid="channel-counter"' in inbox
    closed = client.post(reverse("counter:close", args=[visit.pk]))
    assert closed.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED


def test_a_clerk_cannot_open_another_departments_visit() -> None:
    application, _clerk = counter_data.checked_in()
    other = counter_data.clerk()
    client = staff_client(other)

    assert client.get(reverse("counter:visit", args=[application.visit_id])).status_code == 404


def test_the_resident_history_shows_the_counter_steps() -> None:
    application, clerk = counter_data.ready_to_accept()
    submission = services.submit_application(application=application, clerk=clerk)
    from madoguchi.submissions.resident_views import history_rows

    rows = history_rows([submission], language="en")

    actions = [str(r["action"]) for r in rows]
    assert "Confirmed at the counter" in actions
    assert "You pre-registered for the counter" in actions
    assert "Your pre-registration was brought up at the counter" in actions
    assert timezone.now() >= rows[0]["at"]


def test_answers_changed_after_pre_registration_are_the_ones_checked_in() -> None:
    prereg, token = counter_data.preregistration()
    client = Client()
    changed = counter_data.COUNTER_PAGES[1] | {"count": "5", "action": "next"}

    client.post(reverse("submissions:step", args=[token, 2]), changed)
    again = client.post(reverse("counter_resident:preregister", args=[token]))

    assert again["Location"] == reverse("counter_resident:preregistered", args=[token])
    assert Preregistration.objects.count() == 1
    clerk = counter_data.clerk(prereg.department)
    visit = services.open_visit(clerk=clerk)
    application = services.check_in(visit=visit, preregistration=prereg, clerk=clerk)
    assert application.answers["count"] == 5
    # After check-in the draft is gone: the link opens the pre-registration's page.
    page = client.get(reverse("submissions:review", args=[token]))
    assert page.status_code == 302
    assert page["Location"] == reverse("counter_resident:preregistered", args=[token])


def test_the_link_is_emailed_once_without_the_answers() -> None:
    from django.core import mail

    _draft, token = counter_data.counter_draft(counter_data.counter_form())
    client = Client()

    client.post(reverse("counter_resident:preregister", args=[token]))
    client.post(reverse("counter_resident:preregister", args=[token]))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    prereg = Preregistration.objects.get()
    assert message.to == ["taro@example.jp"]
    assert reference.grouped(prereg.reference) in message.subject
    assert reverse("counter_resident:preregistered", args=[token]) in message.body
    assert "加賀" not in message.body
