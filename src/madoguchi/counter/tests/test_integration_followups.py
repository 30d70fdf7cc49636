"""Counter follow-ups (issue 16): the visit page links to staff-assisted entry and shows the
person's sex; a printed paper continues on paper and is never accepted twice; a card read
first prefills and locks what comes after; a refused card speaks to the resident in the
resident's words; the counter channel is 「窓口」."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from madoguchi.core import events
from madoguchi.counter import assisted, card, display, printing, services
from madoguchi.counter.models import ApplicationState, Assurance, VisitApplication
from madoguchi.counter.refusals import OnPaper
from madoguchi.counter.tests.test_assisted import card_read
from madoguchi.submissions.models import Channel, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing import counter as counter_data
from madoguchi.testing.counter_assisted import (
    MOVING_IN_POST,
    PERSON_POST,
    counter_procedures,
    visit_of,
)
from madoguchi.testing.factories import publish_form
from madoguchi.testing.staff import LogIn

from .card_helpers import SCHEMA, a_counter, auth_certificate_der, card_sign, read_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    seen: list[tuple[str, dict[str, str]]] = []

    def subscriber(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), detail))

    monkeypatch.setattr(events, "_subscribers", [*events._subscribers, subscriber])
    return seen


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _moving_in(staff: StaffMember, department: Department) -> VisitApplication:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    saved = assisted.save(visit=visit, form_version=moving_in, data=MOVING_IN_POST, clerk=staff)
    assert saved.application is not None
    return saved.application


# --- 1. the visit page ----------------------------------------------------------------------


def test_the_visit_page_links_to_the_person_step_and_each_applications_paper(
    log_in: LogIn,
) -> None:
    application, clerk = counter_data.checked_in()
    visit = application.visit
    browser = log_in(clerk)

    page = browser.get(reverse("counter:visit", args=[visit.pk])).content.decode()

    assert reverse("counter:assisted_person", args=[visit.pk]) in page
    assert reverse("counter:assisted_saved", args=[application.pk]) in page


def test_the_visit_page_shows_the_persons_sex_translated(staff: StaffMember, log_in: LogIn) -> None:
    visit = visit_of(staff)
    assisted.set_person(visit=visit, items=assisted.clean_person(PERSON_POST).answers, clerk=staff)
    url = reverse("counter:visit", args=[visit.pk])

    browser = log_in(staff)
    english = browser.get(url).content.decode()
    japanese = browser.get(url, headers={"accept-language": "ja"}).content.decode()

    assert '<th scope="row">Sex</th>' in english and ">Male</td>" in english
    assert '<th scope="row">性別</th>' in japanese and ">男</td>" in japanese


def test_a_card_read_persons_sex_code_reads_as_a_word(staff: StaffMember, log_in: LogIn) -> None:
    visit = card_read(visit_of(staff))  # sex "1" as the card says it

    page = log_in(staff).get(reverse("counter:visit", args=[visit.pk])).content.decode()

    assert 'data-testid="person-sex">Male</td>' in page


# --- 2. printing for a handwritten signature --------------------------------------------


def test_printing_for_a_handwritten_signature_continues_on_paper_and_is_never_accepted_here(
    staff: StaffMember, department: Department
) -> None:
    application = _moving_in(staff, department)
    services.record_visual_check(
        visit=application.visit, clerk=staff, documents=["driving_licence"]
    )
    counter_data.confirm(application)
    assert printing.needs_handwritten_signature(application)

    paper = printing.paper_for(application=application, clerk=staff)

    application.refresh_from_db()
    assert application.state == ApplicationState.ON_PAPER
    assert application.paper == paper
    assert application.confirmed_sha256 == ""
    with pytest.raises(OnPaper) as refused:
        services.submit_application(application=application, clerk=staff)
    assert refused.value.code == "counter_on_paper"
    with pytest.raises(OnPaper):
        services.edit_answers(
            application=application, clerk=staff, answers={"phone": "0761-72-2222"}, reason="x"
        )
    with pytest.raises(OnPaper):
        display.show_for_confirmation(application=application)
    assert not Submission.objects.exists()
    # Printing again (the other language) still works; the application stays on paper.
    printing.paper_for(application=application, clerk=staff, language="en")
    application.refresh_from_db()
    assert application.state == ApplicationState.ON_PAPER


def test_closing_the_visit_leaves_an_application_on_paper_so(
    staff: StaffMember, department: Department
) -> None:
    application = _moving_in(staff, department)
    paper = printing.paper_for(application=application, clerk=staff)

    services.close_visit(visit=application.visit, clerk=staff)

    application.refresh_from_db()
    assert application.state == ApplicationState.ON_PAPER
    assert application.answers == {}
    assert printing.existing_paper(application=application) == paper


def test_the_visit_page_shows_the_paper_reference_and_where_it_is_taken_in(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    application = _moving_in(staff, department)
    paper = printing.paper_for(application=application, clerk=staff)
    browser = log_in(staff)

    page = browser.get(reverse("counter:visit", args=[application.visit_id])).content.decode()
    accepted = browser.post(reverse("counter:accept", args=[application.visit_id, application.pk]))

    assert paper.reference in page and reverse("mailin:intake") in page
    assert 'data-testid="accept"' not in page
    assert "Continues on paper (signed paper to take in)" in page
    assert accepted.status_code == 302
    assert not Submission.objects.exists()
    saved = browser.get(reverse("counter:assisted_saved", args=[application.pk])).content.decode()
    assert "Continues on paper" in saved and 'data-testid="assisted-saved"' not in saved


# --- 3. a card read before the procedures ----------------------------------------------------


def _card_counter_form(department: Department) -> Any:
    return publish_form(
        department=department,
        slug="card-first",
        schema=SCHEMA | {"channels": ["online", "counter"]},
    )


def test_a_pre_registration_checked_in_after_the_card_read_gets_the_card_items_locked(
    department: Department,
) -> None:
    version = _card_counter_form(department)
    draft, _token = counter_data.counter_draft(
        version, pages=[{"name": "手書き 太郎", "address": "どこか", "purpose": "就職"}]
    )
    preregistration = services.preregister(draft=draft)
    clerk = counter_data.clerk(department)
    visit = card_read(services.open_visit(clerk=clerk))

    application = services.check_in(visit=visit, preregistration=preregistration, clerk=clerk)

    assert application.answers["name"] == "加賀 太郎"
    assert application.answers["address"] == "石川県加賀市大聖寺南町ニ41"
    assert application.answers["purpose"] == "就職"
    assert application.prefilled_fields == ["address", "name"]


def test_a_procedure_added_after_the_card_read_gets_the_card_items_locked_and_one_event(
    department: Department, recorded: list[tuple[str, dict[str, str]]]
) -> None:
    version = _card_counter_form(department)
    clerk = counter_data.clerk(department)
    visit = card_read(services.open_visit(clerk=clerk))

    application = services.add_application(
        visit=visit, form_version=version, answers={"purpose": "就職"}, clerk=clerk
    )

    assert application.answers["name"] == "加賀 太郎"
    assert application.prefilled_fields == ["address", "name"]
    added = [d for e, d in recorded if e == str(events.Event.COUNTER_APPLICATION_ADDED)]
    assert len(added) == 1 and added[0]["answers"] == services.answers_sha256(application)


def test_staff_assisted_entry_records_the_added_application_once(
    staff: StaffMember, department: Department, recorded: list[tuple[str, dict[str, str]]]
) -> None:
    _moving_in(staff, department)

    added = [e for e, _d in recorded if e == str(events.Event.COUNTER_APPLICATION_ADDED)]
    assert len(added) == 1


# --- 4. a refused card on the resident display -------------------------------------------------


def test_a_refused_card_tells_the_resident_to_ask_the_staff_and_the_clerk_why(
    log_in: LogIn,
) -> None:
    counter = a_counter()
    display_browser = Client(headers={"accept-language": "ja"})
    code = display.start_pairing(visit=counter.visit)
    display_browser.post(reverse("counter_resident:display_pair"), {"code": code})
    nonce = card.issue_challenge(visit=counter.visit)

    response = display_browser.post(
        reverse("counter_resident:display_card_read"),
        json.dumps(
            {
                "items": read_items("kaga-takahashi"),
                "integrity": "ok",
                "auth_certificate": base64.b64encode(
                    auth_certificate_der("kaga-takahashi")
                ).decode(),
                "nonce_signature": base64.b64encode(
                    card_sign("kaga-takahashi", bytes.fromhex(nonce))
                ).decode(),
            }
        ),
        content_type="application/json",
    )

    answer = response.json()
    assert response.status_code == 422 and answer["error"] == "card_revoked"
    assert answer["message"] == "このカードは使えませんでした。職員にお声がけください。"
    assert "本人確認書類" not in answer["message"]
    clerk_page = log_in(counter.clerk).get(reverse("counter:visit", args=[counter.visit.pk]))
    html = clerk_page.content.decode()
    assert 'data-testid="card-refusal"' in html and "revoked" in html
    counter.visit.refresh_from_db()
    assert counter.visit.assurance == Assurance.NONE


# --- 5. the channel's label ------------------------------------------------------------------


def test_the_counter_channel_is_called_at_the_counter() -> None:
    assert str(Channel.COUNTER.label) == "At the counter"
    with translation.override("ja"):
        assert str(Channel.COUNTER.label) == "窓口"
