"""Staff-assisted entry (書かない窓口): the person once, every procedure prefilled from it,
locked after a card read, all problems at once, file questions left to the counter."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from madoguchi.core import events
from madoguchi.counter import assisted
from madoguchi.counter.models import Assurance, Visit
from madoguchi.counter.refusals import CounterNotAllowed, VisitClosed
from madoguchi.identity.models import IdentityProvider, VerifiedIdentity
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.counter_assisted import (
    CHILD_ALLOWANCE_SCHEMA,
    MOVING_IN_POST,
    PERSON,
    PERSON_POST,
    counter_procedures,
    visit_of,
)
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, str]]]:
    seen: list[tuple[str, str, dict[str, str]]] = []

    def subscriber(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), subject, detail))

    monkeypatch.setattr(events, "_subscribers", [*events._subscribers, subscriber])
    return seen


def card_read(visit: Visit) -> Visit:
    """The visit as the card read leaves it (counter.card): items, CARD, an identity."""
    provider = IdentityProvider.objects.create(
        municipality=visit.municipality, key="counter-test", kind="generic_oidc"
    )
    identity = VerifiedIdentity.objects.create(
        provider=provider,
        subject="a" * 64,
        assurance="high",
        basic_four=PERSON,
        authenticated_at=timezone.now(),
        verified_at=timezone.now(),
    )
    visit.person = {**PERSON, "sex": "1"}
    visit.assurance = Assurance.CARD
    visit.identity = identity
    visit.save()
    return visit


def test_the_typed_person_is_checked_and_kept_without_a_ledger_trace_of_the_items(
    staff: StaffMember, recorded: list[tuple[str, str, dict[str, str]]]
) -> None:
    visit = visit_of(staff)
    result = assisted.clean_person(PERSON_POST)

    assisted.set_person(visit=visit, items=result.answers, clerk=staff)

    visit.refresh_from_db()
    assert visit.person == PERSON
    assert visit.assurance == Assurance.NONE
    event, subject, detail = recorded[-1]
    assert event == "counter.person_entered"
    assert subject == events.pseudonym("visit", visit.pk)
    assert "加賀" not in str(detail)


def test_the_person_page_reports_every_missing_item_at_once() -> None:
    result = assisted.clean_person({"name": "加賀 太郎"})

    assert set(result.errors) == {"address", "birth_date", "sex"}


def test_a_person_read_from_the_card_cannot_be_typed_over(staff: StaffMember) -> None:
    visit = card_read(visit_of(staff))

    with pytest.raises(assisted.PersonFromCard):
        assisted.set_person(visit=visit, items=PERSON | {"name": "加賀 花子"}, clerk=staff)


def test_the_counter_lists_counter_procedures_of_the_clerks_departments_by_department(
    staff: StaffMember, department: Department
) -> None:
    counter_procedures(department)
    other: Any = DepartmentFactory(municipality=department.municipality)
    publish_form(department=other, slug="other-dept", schema=CHILD_ALLOWANCE_SCHEMA)

    groups = assisted.procedures(clerk=staff)

    assert [g.name for g in groups] == [department.name]
    assert sorted(p.title for p in groups[0].procedures) == ["児童手当認定請求", "転入届"]


def test_the_search_ignores_width_and_finds_by_either_language(
    staff: StaffMember, department: Department
) -> None:
    counter_procedures(department)

    by_japanese = assisted.procedures(clerk=staff, query="転入")
    by_english = assisted.procedures(clerk=staff, query="ＣＨＩＬＤ allowance")
    nothing = assisted.procedures(clerk=staff, query="粗大ごみ")

    assert [p.title for g in by_japanese for p in g.procedures] == ["転入届"]
    assert [p.title for g in by_english for p in g.procedures] == ["児童手当認定請求"]
    assert nothing == []


def test_an_online_only_form_cannot_be_started_at_the_counter(
    staff: StaffMember, department: Department
) -> None:
    counter_procedures(department)
    online_only = department.forms.get(slug="sodaigomi")

    with pytest.raises(assisted.NotOfferedAtCounter):
        assisted.form_for(clerk=staff, form_id=online_only.pk)


def test_a_typed_person_fills_the_forms_prefill_questions_and_leaves_them_editable(
    staff: StaffMember, department: Department
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    assisted.set_person(visit=visit, items=PERSON, clerk=staff)

    initial = assisted.initial_answers(visit, moving_in.schema)

    assert initial == {
        "name": "加賀 太郎",
        "birth_date": "1985-04-01",
        "sex": "male",
        "address": "石川県加賀市大聖寺南町ニ41",
    }
    assert assisted.locked_answers(visit, moving_in.schema) == {}


def test_after_a_card_read_the_items_are_locked_and_what_was_posted_for_them_is_ignored(
    staff: StaffMember, department: Department
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = card_read(visit_of(staff))

    saved = assisted.save(
        visit=visit,
        form_version=moving_in,
        data=MOVING_IN_POST | {"name": "別人 次郎"},
        clerk=staff,
    )

    assert saved.ok and saved.application is not None
    assert saved.application.answers["name"] == "加賀 太郎"
    assert saved.application.answers["sex"] == "male"
    assert saved.application.prefilled_fields == ["address", "birth_date", "name", "sex"]


def test_every_problem_comes_back_at_once_and_nothing_is_saved(
    staff: StaffMember, department: Department
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)

    saved = assisted.save(
        visit=visit,
        form_version=moving_in,
        data={"name": "加賀 太郎", "phone": "電話"},
        clerk=staff,
    )

    assert not saved.ok
    assert {"birth_date", "sex", "address", "phone", "previous_address", "moved_on"} <= set(
        saved.errors
    )
    # The document is checked at the counter, not asked.
    assert "certificate" not in saved.errors
    assert not visit.applications.exists()


def test_the_second_procedure_starts_with_the_person_and_the_phone_told_for_the_first(
    staff: StaffMember, department: Department, recorded: list[tuple[str, str, dict[str, str]]]
) -> None:
    moving_in, allowance = counter_procedures(department)
    visit = visit_of(staff)
    assisted.set_person(visit=visit, items=PERSON, clerk=staff)
    first = assisted.save(visit=visit, form_version=moving_in, data=MOVING_IN_POST, clerk=staff)
    assert first.ok

    initial = assisted.initial_answers(visit, allowance.schema)

    assert initial == {
        "claimant": "加賀 太郎",
        "claimant_address": "石川県加賀市大聖寺南町ニ41",
        "tel": "0761-72-1111",
    }
    added = [detail for event, _s, detail in recorded if event == "counter.application_added"]
    assert added and added[0]["form"] == str(moving_in.form_id)
    assert "加賀" not in str(added)


def test_read_only_staff_and_closed_visits_are_refused(
    staff: StaffMember, department: Department
) -> None:
    visit = visit_of(staff)
    reader: Any = StaffFactory(
        municipality=department.municipality, departments=[department], role=StaffRole.READ_ONLY
    )
    with pytest.raises(CounterNotAllowed):
        assisted.visit_for(clerk=reader, visit_id=visit.pk)

    Visit.objects.filter(pk=visit.pk).update(closed_at=timezone.now())
    with pytest.raises(VisitClosed):
        assisted.visit_for(clerk=staff, visit_id=visit.pk)


def test_a_visit_of_another_municipality_is_not_found(staff: StaffMember) -> None:
    visit = visit_of(staff)
    stranger: Any = StaffFactory(departments=[DepartmentFactory()])

    with pytest.raises(Visit.DoesNotExist):
        assisted.visit_for(clerk=stranger, visit_id=visit.pk)
