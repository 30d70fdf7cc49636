"""Staff take a mail-in paper in: by its code or its reference, once, in their own city."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.mailin import intake, payload
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Comment, Submission
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.testing.factories import (
    SIMPLE_ANSWERS,
    SIMPLE_SCHEMA,
    DepartmentFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

INTAKE = "/staff/mail/"
ACCEPT = "/staff/mail/accept/"
ANSWERS = {**SIMPLE_ANSWERS, "name_kana": "カガ タロウ"}


def mail_application(
    form_version: FormVersion, *, sequence: int = 1, **fields: Any
) -> MailApplication:
    """An application prepared for post, as ``mailin.services.prepare`` leaves it."""
    form = form_version.form
    now = timezone.now()
    year = timezone.localdate().year
    answers = fields.pop("answers", ANSWERS)
    values: dict[str, Any] = {
        "municipality": form.municipality,
        "department": form.department,
        "form_version": form_version,
        "reference": f"M-{form.municipality.lg_code}-{year}-{sequence:06d}",
        "answers": answers,
        "answers_sha256": payload.answers_sha256(answers),
        "token_hash": submission_services.hash_token(f"token-{sequence}"),
        "created_at": now,
        "expires_at": now + timedelta(days=60),
    }
    return MailApplication.objects.create(**(values | fields))


def code_of(application: MailApplication, answers: dict[str, Any] | None = None) -> str:
    return payload.encode(reference=application.reference, answers=answers or ANSWERS)


# --- the service ------------------------------------------------------------------------


def test_a_scanned_code_is_taken_in_once_with_its_date_of_arrival_and_event(
    form_version: FormVersion, staff: StaffMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded: list[tuple[str, str, dict[str, str]]] = []
    monkeypatch.setattr(events, "_subscribers", [lambda e, a, s, d: recorded.append((e, s, d))])
    application = mail_application(form_version)
    arrived = timezone.localdate() - timedelta(days=2)
    submission = intake.accept(staff=staff, text=code_of(application), received_on=arrived)
    application.refresh_from_db()
    assert application.status == MailStatus.ARRIVED
    assert application.submission == submission
    assert submission.channel == Channel.MAIL
    assert submission.received_on == arrived
    assert submission.answers["name"] == "加賀 太郎"
    kinds = [event for event, _subject, _detail in recorded]
    assert kinds == [events.Event.SUBMITTED, events.Event.MAIL_ARRIVED]
    detail = recorded[-1][2]
    assert detail["reference"] == application.reference
    assert detail["document"] == submission.document_sha256
    assert "加賀" not in str(detail)
    with pytest.raises(intake.AlreadyArrived) as again:
        intake.accept(staff=staff, text=application.reference, received_on=arrived)
    assert again.value.submission == submission


def test_a_changed_answer_is_taken_from_the_paper_and_recorded_with_who_and_why(
    form_version: FormVersion, staff: StaffMember
) -> None:
    application = mail_application(form_version)
    submission = intake.accept(
        staff=staff,
        text=application.reference,
        received_on=timezone.localdate(),
        change=intake.Change("name", "加賀 花子", "訂正印あり"),
    )
    assert submission.answers["name"] == "加賀 花子"
    (comment,) = Comment.objects.filter(submission=submission)
    assert comment.author == staff
    assert "訂正印あり" in comment.body


def test_an_expired_application_is_taken_in_from_the_answers_its_code_carries(
    form_version: FormVersion, staff: StaffMember
) -> None:
    application = mail_application(form_version, status=MailStatus.EXPIRED)
    found = intake.find(staff=staff, text=code_of(application))
    assert found.from_paper
    with pytest.raises(intake.Expired):
        intake.find(staff=staff, text=application.reference)


@pytest.mark.parametrize(
    ("make_text", "refusal"),
    [
        (lambda a: "M-999999-2026-000001", intake.OtherMunicipality),
        (lambda a: a.reference[:-1] + "9", intake.UnknownReference),
        (lambda a: code_of(a, {**ANSWERS, "name": "別人"}), intake.AnswersMismatch),
        (lambda a: "hello", payload.MalformedPayload),
    ],
)
def test_a_paper_that_cannot_be_taken_in_is_refused_with_its_code(
    form_version: FormVersion, staff: StaffMember, make_text: Any, refusal: type[Exception]
) -> None:
    application = mail_application(form_version)
    with pytest.raises(refusal):
        intake.find(staff=staff, text=make_text(application))


def test_a_paper_of_a_department_the_staff_member_cannot_see_is_refused(
    form_version: FormVersion,
) -> None:
    application = mail_application(form_version)
    other = DepartmentFactory(municipality=form_version.form.municipality)
    outsider = StaffFactory(municipality=other.municipality, departments=[other])
    with pytest.raises(intake.OtherDepartment):
        intake.find(staff=outsider, text=application.reference)


# --- the pages ----------------------------------------------------------------------------


def test_the_intake_page_has_a_focused_input_for_the_scanner(
    staff: StaffMember, log_in: Any
) -> None:
    page = log_in(staff).get(INTAKE)
    assert page.status_code == 200
    assert b'id="scan"' in page.content
    assert b"autofocus" in page.content


def test_a_visitor_is_sent_to_the_login() -> None:
    assert Client().get(INTAKE).status_code == 302


def test_a_typed_reference_shows_the_answers_and_accepting_leads_to_the_submission(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    application = mail_application(form_version)
    browser = log_in(staff)
    review = browser.post(INTAKE, {"scan": application.reference.lower()})
    assert review.status_code == 200
    assert "加賀 太郎" in review.content.decode()
    scan = SimpleUploadedFile("paper.pdf", pdf_bytes("申請書"), content_type="application/pdf")
    accepted = browser.post(
        ACCEPT,
        {
            "scan": application.reference,
            "received_on": timezone.localdate().isoformat(),
            "paper_scan": scan,
        },
    )
    submission = Submission.objects.get()
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("backoffice:detail", args=[submission.receipt_number])
    assert submission.paper_scan_sha256
    detail = browser.get(accepted["Location"])
    assert submission.receipt_number in detail.content.decode()


def test_a_duplicate_scan_says_so_and_links_to_the_submission(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    application = mail_application(form_version)
    submission = intake.accept(
        staff=staff, text=application.reference, received_on=timezone.localdate()
    )
    page = log_in(staff).post(INTAKE, {"scan": code_of(application)})
    assert page.status_code == 422
    text = page.content.decode()
    assert "already taken in" in text
    assert reverse("backoffice:detail", args=[submission.receipt_number]) in text


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ("M-999999-2026-000001", "another municipality"),
        ("MDG9.M-999999-2026-000001.00", "another version"),
        ("", "Scan the code"),
    ],
)
def test_a_paper_that_cannot_be_taken_in_gets_a_clear_message(
    staff: StaffMember, log_in: Any, scan: str, message: str
) -> None:
    page = log_in(staff).post(INTAKE, {"scan": scan})
    assert page.status_code == 422
    assert message in page.content.decode()
    assert b'aria-invalid="true"' in page.content


def test_an_unknown_or_expired_reference_and_a_mismatched_code_get_their_messages(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    application = mail_application(form_version)
    expired = mail_application(form_version, sequence=2, status=MailStatus.EXPIRED)
    browser = log_in(staff)
    unknown = browser.post(INTAKE, {"scan": application.reference[:-1] + "9"})
    assert "No mail-in application has this reference" in unknown.content.decode()
    gone = browser.post(INTAKE, {"scan": expired.reference})
    assert "has expired" in gone.content.decode()
    altered = browser.post(INTAKE, {"scan": code_of(application, {**ANSWERS, "count": 3})})
    assert "does not match" in altered.content.decode()


def test_a_change_without_a_reason_and_a_future_date_are_refused_in_the_summary(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    application = mail_application(form_version)
    page = log_in(staff).post(
        ACCEPT,
        {
            "scan": application.reference,
            "received_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "change_key": "name",
            "change_value": "加賀 花子",
        },
    )
    assert page.status_code == 422
    text = page.content.decode()
    assert "cannot be in the future" in text
    assert "Say why the answer changed" in text
    assert not Submission.objects.exists()


def test_a_scan_that_is_not_a_pdf_is_refused_and_nothing_is_taken_in(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    application = mail_application(form_version)
    page = log_in(staff).post(
        ACCEPT,
        {
            "scan": application.reference,
            "received_on": timezone.localdate().isoformat(),
            "paper_scan": SimpleUploadedFile("paper.pdf", b"MZ" + b"\x00" * 40),
        },
    )
    assert page.status_code == 422
    assert "cannot be attached" in page.content.decode()
    assert not Submission.objects.exists()


def test_staff_tick_the_enclosures_the_form_asks_for_and_the_submission_keeps_them(
    staff: StaffMember, log_in: Any
) -> None:
    schema = {
        **SIMPLE_SCHEMA,
        "channels": ["online", "mail"],
        "mail": {"enclosures": ["鑑札（原本）", "返信用封筒"]},
    }
    version = publish_form(department=staff.departments.get(), schema=schema)
    application = mail_application(version)
    assert intake.enclosures(application) == ["鑑札（原本）", "返信用封筒"]
    browser = log_in(staff)
    review = browser.post(INTAKE, {"scan": application.reference})
    assert 'id="enclosure-1"' in review.content.decode()
    browser.post(
        ACCEPT,
        {
            "scan": application.reference,
            "received_on": timezone.localdate().isoformat(),
            "enclosures": ["鑑札（原本）"],
        },
    )
    assert Submission.objects.get().enclosures_received == ["鑑札（原本）"]


def test_a_read_only_staff_member_cannot_take_a_paper_in(form_version: FormVersion) -> None:
    application = mail_application(form_version)
    department = form_version.form.department
    reader = StaffFactory(
        municipality=department.municipality, departments=[department], role=StaffRole.READ_ONLY
    )
    with pytest.raises(intake.IntakeNotAllowed):
        intake.accept(staff=reader, text=application.reference, received_on=timezone.localdate())
    application.refresh_from_db()
    assert application.status == MailStatus.AWAITING
