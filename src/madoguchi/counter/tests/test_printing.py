"""Printing at the counter: the same mail-in paper a resident makes, once per answers."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from madoguchi.core import events
from madoguchi.counter import assisted, printing
from madoguchi.counter.models import ApplicationState, VisitApplication
from madoguchi.mailin import intake
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.counter_assisted import (
    MOVING_IN_POST,
    PERSON,
    counter_procedures,
    visit_of,
)

pytestmark = pytest.mark.django_db

ALLOWANCE_POST = {
    "claimant": PERSON["name"],
    "claimant_address": PERSON["address"],
    "tel": "0761-72-1111",
    "child_name": "加賀 一郎",
    "child_birth_date__era": "seireki",
    "child_birth_date__year": "2020",
    "child_birth_date__month": "5",
    "child_birth_date__day": "5",
}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, str]]]:
    seen: list[tuple[str, str, dict[str, str]]] = []

    def subscriber(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), actor, detail))

    monkeypatch.setattr(events, "_subscribers", [*events._subscribers, subscriber])
    return seen


def moving_in_application(staff: StaffMember, department: Department) -> VisitApplication:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    saved = assisted.save(visit=visit, form_version=moving_in, data=MOVING_IN_POST, clerk=staff)
    assert saved.application is not None
    return saved.application


def text_of(pdf: bytes) -> str:
    """The PDF's text as a person reads it (pdftotext), without spaces."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, check=True, capture_output=True
    ).stdout.decode()
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (scripts/system-packages.sh test)"
)
def test_the_clerk_prints_the_mail_in_paper_with_every_answer_and_the_signature_box(
    staff: StaffMember,
    department: Department,
    recorded: list[tuple[str, str, dict[str, str]]],
) -> None:
    application = moving_in_application(staff, department)

    paper = printing.paper_for(application=application, clerk=staff)

    assert paper.reference.startswith(f"M-{department.municipality.lg_code}-")
    assert paper.status == MailStatus.AWAITING
    assert paper.answers == application.answers
    text = text_of(printing.pdf(paper))
    assert paper.reference in text
    assert "加賀太郎" in text and "東京都千代田区霞が関1-1" in text
    assert "自署" in text
    event, actor, detail = recorded[-1]
    assert event == "mail.prepared"
    assert actor == events.pseudonym("staff", staff.pk)
    assert detail["channel"] == "counter"
    assert detail["counter"] == "3番窓口"


def test_printing_again_in_either_language_prints_the_same_paper(
    staff: StaffMember, department: Department
) -> None:
    application = moving_in_application(staff, department)
    first = printing.paper_for(application=application, clerk=staff)

    again = printing.paper_for(application=application, clerk=staff)
    in_english = printing.paper_for(application=application, clerk=staff, language="en")

    assert again.pk == first.pk
    assert in_english.pk == first.pk  # one reference: intake can take it in only once
    assert MailApplication.objects.count() == 1
    assert printing.existing_paper(application=application, language="en") == first


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (scripts/system-packages.sh test)"
)
def test_the_same_paper_prints_in_english_with_its_reference(
    staff: StaffMember, department: Department
) -> None:
    application = moving_in_application(staff, department)
    paper = printing.paper_for(application=application, clerk=staff)

    english = text_of(printing.pdf(paper, language="en"))
    japanese = text_of(printing.pdf(paper))

    assert paper.reference in english and paper.reference in japanese
    assert english != japanese


def test_the_printed_paper_is_taken_in_at_mail_in_intake_by_its_reference(
    staff: StaffMember, department: Department
) -> None:
    application = moving_in_application(staff, department)
    paper = printing.paper_for(application=application, clerk=staff)

    found = intake.find(staff=staff, text=paper.reference)

    assert found.application == paper
    assert found.answers["previous_address"] == "東京都千代田区霞が関1-1"


def test_a_procedure_not_offered_by_post_has_no_paper(
    staff: StaffMember, department: Department
) -> None:
    _moving_in, allowance = counter_procedures(department)
    visit = visit_of(staff)
    saved = assisted.save(visit=visit, form_version=allowance, data=ALLOWANCE_POST, clerk=staff)
    assert saved.application is not None

    assert not printing.offers_paper(saved.application)
    with pytest.raises(printing.MailNotOffered):
        printing.paper_for(application=saved.application, clerk=staff)


def test_an_accepted_application_is_not_printed_again(
    staff: StaffMember, department: Department
) -> None:
    application = moving_in_application(staff, department)
    VisitApplication.objects.filter(pk=application.pk).update(state=ApplicationState.SUBMITTED)
    application.refresh_from_db()

    with pytest.raises(printing.AlreadyDone):
        printing.paper_for(application=application, clerk=staff)


def test_answers_that_no_longer_pass_are_refused_before_anything_is_printed(
    staff: StaffMember, department: Department
) -> None:
    application = moving_in_application(staff, department)
    application.answers = {k: v for k, v in application.answers.items() if k != "phone"}
    application.save(update_fields=["answers"])

    with pytest.raises(printing.AnswersToFix):
        printing.paper_for(application=application, clerk=staff)
