"""The inventory's writes and pages: who may change what, stable IDs, submit and review."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from madoguchi.catalog import services
from madoguchi.catalog.models import Procedure, ReviewState, SealReview
from madoguchi.core import events
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []
    events.subscribe(lambda *args: seen.append(args))
    return seen


@pytest.fixture
def shimin() -> Department:
    return DepartmentFactory(code="shimin", name="市民課")  # type: ignore[no-any-return]


@pytest.fixture
def zeimu(shimin: Department) -> Department:
    return DepartmentFactory(municipality=shimin.municipality, code="zeimu", name="税務課")  # type: ignore[no-any-return]


@pytest.fixture
def clerk(shimin: Department) -> StaffMember:
    return StaffFactory(municipality=shimin.municipality, departments=[shimin])  # type: ignore[no-any-return]


@pytest.fixture
def dx(shimin: Department) -> StaffMember:
    return StaffFactory(municipality=shimin.municipality, role=StaffRole.MUNICIPALITY_ADMIN)  # type: ignore[no-any-return]


def _procedure(department: Department, **fields: Any) -> Procedure:
    values: dict[str, Any] = {
        "municipality": department.municipality,
        "department": department,
        "procedure_id": "",
        "name": "住民票の写しの交付",
        "channels": ["online"],
    }
    values.update(fields)
    return Procedure(**values)


def _form_data(department: Department, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "procedure_id": "",
        "name": "住民票の写しの交付",
        "department": department.pk,
        "target": "on",
        "applicant": "individual",
        "seal_review": "not_reviewed",
        "channels": ["online", "mail_web"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_empty_id_gets_the_next_generated_one_and_the_ledger_has_codes_only(
    clerk: StaffMember, shimin: Department, recorded: list[tuple[Any, ...]]
) -> None:
    lg = shimin.municipality.lg_code

    first = services.save_procedure(procedure=_procedure(shimin), by=clerk)
    second = services.save_procedure(procedure=_procedure(shimin, name="印鑑登録"), by=clerk)

    assert (first.procedure_id, second.procedure_id) == (f"{lg}-P0001", f"{lg}-P0002")
    changed = [r for r in recorded if r[0] == events.Event.CATALOG_PROCEDURE_CHANGED]
    assert changed[0][2] == f"procedure:{lg}/{lg}-P0001"
    assert changed[0][3] == {"department": "shimin", "fields": "created", "review_state": "draft"}


def test_a_department_cannot_change_another_departments_procedure(
    clerk: StaffMember, zeimu: Department
) -> None:
    with pytest.raises(services.NotYourProcedure):
        services.save_procedure(procedure=_procedure(zeimu), by=clerk)


def test_read_only_staff_change_nothing(shimin: Department) -> None:
    reader = StaffFactory(
        municipality=shimin.municipality, departments=[shimin], role=StaffRole.READ_ONLY
    )

    with pytest.raises(services.NotYourProcedure):
        services.save_procedure(procedure=_procedure(shimin), by=reader)


def test_the_id_is_fixed_once_reviewed_and_a_department_change_asks_for_a_new_review(
    clerk: StaffMember, dx: StaffMember, shimin: Department
) -> None:
    procedure = services.save_procedure(procedure=_procedure(shimin), by=clerk)
    services.submit(procedures=[procedure], by=clerk)
    services.review(
        procedure=procedure,
        decision=services.Decision(
            target=True, exclusion_reason="", seal_review=SealReview.ABOLISH, note="OK"
        ),
        by=dx,
    )
    reviewed = Procedure.objects.get(pk=procedure.pk)
    assert reviewed.review_state == ReviewState.REVIEWED and reviewed.reviewed_by == dx

    reviewed.procedure_id = "NEW-1"
    with pytest.raises(services.ProcedureIdLocked):
        services.save_procedure(procedure=reviewed, by=dx)
    again = Procedure.objects.get(pk=procedure.pk)
    again.annual_volume = 1200
    services.save_procedure(procedure=again, by=clerk)

    assert Procedure.objects.get(pk=procedure.pk).review_state == ReviewState.DRAFT


def test_only_the_dx_office_reviews(clerk: StaffMember, shimin: Department) -> None:
    procedure = services.save_procedure(procedure=_procedure(shimin), by=clerk)

    with pytest.raises(services.NotDxOffice):
        services.review(
            procedure=procedure,
            decision=services.Decision(
                target=False, exclusion_reason="x", seal_review="keep", note=""
            ),
            by=clerk,
        )


def test_the_edit_page_keeps_what_was_typed_and_lists_the_problems(
    clerk: StaffMember, shimin: Department
) -> None:
    browser = log_in_staff(clerk, language="ja")

    response = browser.post(
        reverse("catalog:new"),
        _form_data(
            shimin, target=None, exclusion_reason="", name="転入届（入力途中）", channels=[]
        ),
    )

    text = response.content.decode()
    assert response.status_code == 422
    assert "error-summary" in text and "転入届（入力途中）" in text
    assert 'href="#id_channels_0"' in text and 'href="#id_exclusion_reason"' in text
    assert not Procedure.objects.exists()


def test_a_clerk_creates_and_sends_a_procedure_and_the_dx_office_reviews_it(
    clerk: StaffMember, dx: StaffMember, shimin: Department
) -> None:
    browser = log_in_staff(clerk)
    response = browser.post(reverse("catalog:new"), _form_data(shimin))
    procedure = Procedure.objects.get()
    assert response.status_code == 302

    browser.post(reverse("catalog:submit"), {"procedure": procedure.pk})
    office = log_in_staff(dx)
    response = office.post(
        reverse("catalog:review", args=[procedure.pk]),
        {
            "review-target": "0",
            "review-exclusion_reason": "国の制度で電子化の対象外",
            "review-seal_review": "abolish",
            "review-note": "押印は廃止",
            "review-decision": "accept",
        },
    )

    procedure.refresh_from_db()
    assert response.status_code == 302
    assert procedure.review_state == ReviewState.REVIEWED and procedure.target is False
    assert procedure.exclusion_reason == "国の制度で電子化の対象外"
    page = office.get(reverse("catalog:edit", args=[procedure.pk])).content.decode()
    assert 'name="procedure_id"' in page and "disabled" in page


def test_the_list_filters_and_counts_and_shows_a_department_only_its_own(
    clerk: StaffMember, dx: StaffMember, shimin: Department, zeimu: Department
) -> None:
    services.save_procedure(
        procedure=_procedure(shimin, seal_required=True, channels=["paper_only"]), by=dx
    )
    services.save_procedure(
        procedure=_procedure(zeimu, name="納税証明書", target=False, exclusion_reason="x"), by=dx
    )

    mine = log_in_staff(clerk).get(reverse("catalog:index")).content.decode()
    office = log_in_staff(dx)
    everything = office.get(reverse("catalog:index")).content.decode()
    pending = office.get(
        reverse("catalog:index"), {"seal_review": "pending", "channel": "paper_only"}
    ).context["counts"]

    assert "住民票の写しの交付" in mine and "納税証明書" not in mine
    assert "納税証明書" in everything
    assert (pending.total, pending.seal_pending) == (1, 1)


def test_a_department_cannot_open_another_departments_procedure(
    clerk: StaffMember, dx: StaffMember, zeimu: Department
) -> None:
    other = services.save_procedure(procedure=_procedure(zeimu), by=dx)

    response = log_in_staff(clerk).get(reverse("catalog:edit", args=[other.pk]))

    assert response.status_code == 404


def test_sending_one_procedure_returns_to_its_page_and_a_bad_id_is_not_found(
    clerk: StaffMember, shimin: Department
) -> None:
    procedure = services.save_procedure(procedure=_procedure(shimin), by=clerk)
    browser = log_in_staff(clerk)

    sent = browser.post(
        reverse("catalog:submit"), {"procedure": procedure.pk, "next": "https://evil.example/"}
    )
    bad = browser.post(reverse("catalog:submit"), {"procedure": "1 OR 1=1"})

    assert sent.status_code == 302 and sent["Location"] == reverse(
        "catalog:edit", args=[procedure.pk]
    )
    assert bad.status_code == 404
    assert Procedure.objects.get().review_state == ReviewState.SUBMITTED
