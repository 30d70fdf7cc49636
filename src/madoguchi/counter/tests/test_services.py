"""The counter's writes: pre-register, check in, edit with a reason, identity, accept, close,
expire; and the lookup of what a clerk scanned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.core import events
from madoguchi.counter import reference, selectors, services
from madoguchi.counter.models import (
    ApplicationState,
    Assurance,
    Preregistration,
    PreregistrationStatus,
)
from madoguchi.counter.refusals import (
    AlreadyCheckedIn,
    AlreadySubmitted,
    ChannelNotOffered,
    CounterNotAllowed,
    IdentityNotChecked,
    NoDocuments,
    NotConfirmed,
    OtherDepartment,
    OtherMunicipality,
    PreregistrationExpired,
    ReasonRequired,
    UnknownReference,
    VisitClosed,
)
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Draft, StatusLink
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing import counter as counter_data
from madoguchi.testing.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, dict[str, str]]]:
    seen: list[tuple[str, str, str, dict[str, str]]] = []

    def subscriber(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), actor, subject, detail))

    monkeypatch.setattr(events, "_subscribers", [*events._subscribers, subscriber])
    return seen


# --- pre-registration ------------------------------------------------------------------


def test_preregistering_keeps_the_draft_editable_until_the_pre_registration_expires(
    recorded: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    draft, _token = counter_data.counter_draft(counter_data.counter_form())

    prereg = services.preregister(draft=draft)

    draft.refresh_from_db()
    assert prereg.status == PreregistrationStatus.WAITING
    assert prereg.draft == draft and prereg.token_hash == draft.token_hash
    assert draft.expires_at >= prereg.expires_at
    assert prereg.expires_at - prereg.created_at == timedelta(days=30)
    assert reference.parse(prereg.reference) == prereg.reference
    assert [(e, d) for e, _a, _s, d in recorded][-1:] == [
        (
            "counter.preregistered",
            {
                "reference": prereg.reference,
                "form": str(draft.form_version.form_id),
                "version": "1",
            },
        )
    ]


def test_preregistering_again_returns_the_same_pre_registration() -> None:
    draft, _token = counter_data.counter_draft(counter_data.counter_form())

    assert services.preregister(draft=draft) == services.preregister(draft=draft)
    assert Preregistration.objects.count() == 1


def test_an_incomplete_draft_is_refused_and_nothing_is_made() -> None:
    draft, _token = counter_data.counter_draft(counter_data.counter_form(), pages=[])

    with pytest.raises(submission_services.SubmissionRefused):
        services.preregister(draft=draft)
    assert not Preregistration.objects.exists()


def test_a_draft_for_another_channel_cannot_be_pre_registered() -> None:
    version = counter_data.counter_form()
    draft, _token = submission_services.start_draft(
        form_version=version, language="ja", channel=Channel.ONLINE
    )

    with pytest.raises(ChannelNotOffered):
        services.preregister(draft=draft)


def test_expiry_deletes_the_answers_and_keeps_the_reference(
    recorded: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    prereg, _token = counter_data.preregistration()

    count = services.expire_overdue(now=prereg.expires_at + timedelta(seconds=1))

    prereg.refresh_from_db()
    assert count == 1
    assert prereg.status == PreregistrationStatus.EXPIRED and prereg.draft is None
    assert not Draft.objects.filter(token_hash=prereg.token_hash).exists()
    assert ("counter.expired", "system") in [(e, a) for e, a, _s, _d in recorded]


def test_expiry_leaves_pre_registrations_still_valid() -> None:
    prereg, _token = counter_data.preregistration()

    assert services.expire_overdue() == 0
    prereg.refresh_from_db()
    assert prereg.status == PreregistrationStatus.WAITING


# --- lookup ---------------------------------------------------------------------------


def test_a_clerk_finds_a_pre_registration_by_its_code_or_typed_number() -> None:
    prereg, _token = counter_data.preregistration()
    clerk = counter_data.clerk(prereg.department)
    typed = reference.grouped(prereg.reference).lower()

    assert selectors.find(clerk=clerk, text=reference.payload(prereg.reference)) == prereg
    assert selectors.find(clerk=clerk, text=typed) == prereg


@pytest.mark.parametrize(
    ("setup", "refusal"),
    [
        ("unknown", UnknownReference),
        ("other_city", OtherMunicipality),
        ("other_department", OtherDepartment),
        ("expired", PreregistrationExpired),
        ("checked_in", AlreadyCheckedIn),
    ],
)
def test_a_lookup_says_why_it_cannot_be_checked_in(setup: str, refusal: type[Exception]) -> None:
    prereg, _token = counter_data.preregistration()
    clerk = counter_data.clerk(prereg.department)
    text = prereg.reference
    if setup == "unknown":
        text = "22222222" if prereg.reference != "22222222" else "33333333"
    elif setup == "other_city":
        clerk = counter_data.clerk()
    elif setup == "other_department":
        department: Department = DepartmentFactory(municipality=prereg.municipality)  # type: ignore[assignment]
        clerk = counter_data.clerk(department)
    elif setup == "expired":
        Preregistration.objects.filter(pk=prereg.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        visit = services.open_visit(clerk=clerk)
        services.check_in(visit=visit, preregistration=prereg, clerk=clerk)

    with pytest.raises(refusal):
        selectors.find(clerk=clerk, text=text)


# --- check-in and edits ------------------------------------------------------------------


def test_check_in_copies_the_answers_and_finishes_the_draft(
    recorded: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    prereg, _token = counter_data.preregistration()
    assert prereg.draft is not None
    answers = dict(prereg.draft.answers)
    clerk = counter_data.clerk(prereg.department)
    visit = services.open_visit(clerk=clerk, counter_name="3番窓口")

    application = services.check_in(visit=visit, preregistration=prereg, clerk=clerk)

    prereg.refresh_from_db()
    assert application.answers == answers
    assert application.state == ApplicationState.EDITING
    assert prereg.status == PreregistrationStatus.CHECKED_IN and prereg.checked_in_at
    assert not Draft.objects.filter(token_hash=prereg.token_hash).exists()
    event, actor, _subject, detail = recorded[-1]
    assert event == "counter.checked_in"
    assert actor == events.pseudonym("staff", clerk.pk)
    assert detail["counter"] == "3番窓口" and detail["reference"] == prereg.reference
    assert "加賀" not in str(recorded)


def test_a_pre_registration_is_checked_in_once() -> None:
    application, clerk = counter_data.checked_in()
    other_visit = services.open_visit(clerk=clerk)

    assert application.preregistration is not None

    with pytest.raises(AlreadyCheckedIn):
        services.check_in(
            visit=other_visit, preregistration=application.preregistration, clerk=clerk
        )


def test_read_only_staff_cannot_serve_at_the_counter() -> None:
    department = DepartmentFactory()
    reader: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, departments=[department], role=StaffRole.READ_ONLY
    )

    with pytest.raises(CounterNotAllowed):
        services.open_visit(clerk=reader)


def test_an_edit_records_each_changed_answer_with_who_and_why(
    recorded: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    application, clerk = counter_data.checked_in()
    counter_data.confirm(application)

    edits = services.edit_answers(
        application=application,
        clerk=clerk,
        answers={"count": "3", "name": "加賀 太郎"},
        reason="本人の申し出",
    )

    application.refresh_from_db()
    assert [(e.field_key, e.before, e.after, e.reason) for e in edits] == [
        ("count", 2, 3, "本人の申し出")
    ]
    assert edits[0].clerk == clerk
    assert application.answers["count"] == 3
    assert application.state == ApplicationState.EDITING and not application.confirmed_sha256
    event, _actor, _subject, detail = recorded[-1]
    assert event == "counter.edited" and detail["fields"] == "count"
    assert "3" not in detail.get("values", "")


def test_an_invalid_edit_names_the_question_and_changes_nothing() -> None:
    application, clerk = counter_data.checked_in()
    before = dict(application.answers)

    with pytest.raises(submission_services.SubmissionRefused) as refused:
        services.edit_answers(
            application=application, clerk=clerk, answers={"count": "99"}, reason="誤り"
        )

    application.refresh_from_db()
    assert set(refused.value.errors) == {"count"}
    assert application.answers == before and not application.edits.exists()


def test_an_edit_needs_a_reason() -> None:
    application, clerk = counter_data.checked_in()

    with pytest.raises(ReasonRequired):
        services.edit_answers(
            application=application, clerk=clerk, answers={"count": "3"}, reason=" "
        )


def test_an_answer_whose_question_no_longer_applies_is_dropped() -> None:
    application, clerk = counter_data.checked_in()
    services.edit_answers(
        application=application,
        clerk=clerk,
        answers={"method": "online", "online_tool": "Zoom"},
        reason="本人の申し出",
    )

    edits = services.edit_answers(
        application=application, clerk=clerk, answers={"method": "visit"}, reason="戻す"
    )

    application.refresh_from_db()
    assert "online_tool" not in application.answers
    assert {e.field_key for e in edits} == {"method", "online_tool"}


# --- identity, accept, close --------------------------------------------------------------


def test_a_visual_check_needs_a_document_and_records_the_level() -> None:
    application, clerk = counter_data.checked_in()

    with pytest.raises(NoDocuments):
        services.record_visual_check(visit=application.visit, clerk=clerk, documents=["名刺"])
    visit = services.record_visual_check(
        visit=application.visit, clerk=clerk, documents=["passport", "driving_licence"]
    )

    assert visit.assurance == Assurance.VISUAL
    assert visit.documents_shown == ["driving_licence", "passport"]


def test_accepting_makes_a_counter_submission_in_the_inbox(
    recorded: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    application, clerk = counter_data.ready_to_accept()

    submission = services.submit_application(application=application, clerk=clerk)

    application.refresh_from_db()
    assert submission.channel == Channel.COUNTER
    assert submission.identity_level == "counter_visual"
    assert submission.received_on == timezone.localdate()
    assert submission.answers["name"] == "加賀 太郎"
    assert application.state == ApplicationState.SUBMITTED
    assert application.submission == submission
    # The resident's link now opens the submission's status page.
    assert application.preregistration is not None
    assert StatusLink.objects.filter(
        submission=submission, token_hash=application.preregistration.token_hash
    ).exists()
    names = [e for e, _a, _s, _d in recorded]
    assert names[-2:] == ["submission.submitted", "counter.accepted"]
    accepted = recorded[-1]
    assert accepted[2] == events.submission_subject(submission.public_id)
    assert accepted[3]["assurance"] == "counter_visual"


def test_accepting_needs_the_residents_confirmation_of_the_current_answers() -> None:
    application, clerk = counter_data.ready_to_accept()
    application.answers = application.answers | {"count": 5}
    application.save(update_fields=["answers"])

    with pytest.raises(NotConfirmed):
        services.submit_application(application=application, clerk=clerk)


def test_accepting_needs_an_identity_check() -> None:
    application, clerk = counter_data.checked_in()
    counter_data.confirm(application)

    with pytest.raises(IdentityNotChecked):
        services.submit_application(application=application, clerk=clerk)


def test_an_application_is_accepted_once() -> None:
    application, clerk = counter_data.ready_to_accept()
    services.submit_application(application=application, clerk=clerk)

    with pytest.raises(AlreadySubmitted):
        services.submit_application(application=application, clerk=clerk)


def test_closing_clears_the_person_and_cancels_what_was_not_accepted(
    recorded: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    application, clerk = counter_data.ready_to_accept()
    visit = application.visit
    visit.person = {"name": "加賀 太郎"}
    visit.save(update_fields=["person"])

    services.close_visit(visit=visit, clerk=clerk)

    visit.refresh_from_db()
    application.refresh_from_db()
    assert visit.closed_at and visit.person == {} and visit.documents_shown == []
    assert application.state == ApplicationState.CANCELLED and application.answers == {}
    assert recorded[-1][0] == "counter.visit_closed"
    with pytest.raises(VisitClosed):
        services.edit_answers(
            application=application, clerk=clerk, answers={"count": "3"}, reason="x"
        )
