from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from madoguchi.catalog import coverage
from madoguchi.catalog.channels import VolumeChannel
from madoguchi.catalog.models import CoverageTarget, MonthlyVolume
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory
from madoguchi.testing.staff import log_in_staff

from .helpers import procedure, volume

pytestmark = pytest.mark.django_db


def _this_month() -> date:
    return timezone.localdate().replace(day=1)


@pytest.fixture
def city() -> dict[str, object]:
    """Two departments of one city with volumes this month, its DX office and a clerk of the
    first department; another city's department."""
    first = DepartmentFactory(name="市民課")
    second = DepartmentFactory(municipality=first.municipality, name="税務課")
    month = _this_month()
    juminhyo = procedure(first, "A-001", name="住民票の写しの交付")
    volume(juminhyo, month, VolumeChannel.ONLINE, 30)
    volume(juminhyo, month, VolumeChannel.COUNTER_PAPER, 70)
    volume(procedure(second, "T-001", name="納税証明書"), month, VolumeChannel.MAIL_PAPER, 50)
    elsewhere = DepartmentFactory(name="他市の課")
    return {
        "first": first,
        "second": second,
        "juminhyo": juminhyo,
        "admin": StaffFactory(municipality=first.municipality, role=StaffRole.MUNICIPALITY_ADMIN),
        "clerk": StaffFactory(municipality=first.municipality, departments=[first]),
        "elsewhere": procedure(elsewhere, "Z-001"),
        "elsewhere_department": elsewhere,
    }


def test_the_dx_office_sees_the_city_rate_every_department_the_chart_and_the_movers(
    city: dict[str, object],
) -> None:
    browser = log_in_staff(city["admin"], language="ja")  # type: ignore[arg-type]

    page = browser.get(reverse("catalog:dashboard")).content.decode()

    assert "20.0%" in page  # 30 smart of 150
    assert "市民課" in page and "税務課" in page
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert 'data-testid="coverage-months"' in page
    assert 'data-testid="coverage-movers"' in page and "住民票の写しの交付" in page
    assert 'data-testid="coverage-target-form"' in page
    assert "<script" not in page.split("<main", 1)[-1]


def test_department_staff_see_their_departments_only(city: dict[str, object]) -> None:
    browser = log_in_staff(city["clerk"])  # type: ignore[arg-type]
    second = city["second"]

    page = browser.get(reverse("catalog:dashboard")).content.decode()

    assert "市民課" in page and "税務課" not in page
    assert 'data-testid="coverage-target-form"' not in page
    assert browser.get(reverse("catalog:dashboard_department", args=[second.pk])).status_code == 404  # type: ignore[attr-defined]
    first = city["first"]
    assert browser.get(reverse("catalog:dashboard_department", args=[first.pk])).status_code == 200  # type: ignore[attr-defined]


def test_drill_down_from_the_city_to_a_department_and_a_procedure(
    city: dict[str, object],
) -> None:
    browser = log_in_staff(city["admin"])  # type: ignore[arg-type]
    first, juminhyo = city["first"], city["juminhyo"]

    department = browser.get(reverse("catalog:dashboard_department", args=[first.pk]))  # type: ignore[attr-defined]
    detail = browser.get(reverse("catalog:dashboard_procedure", args=[juminhyo.pk]))  # type: ignore[attr-defined]

    assert "30.0%" in department.content.decode()
    assert reverse("catalog:dashboard_procedure", args=[juminhyo.pk]) in department.content.decode()  # type: ignore[attr-defined]
    text = detail.content.decode()
    assert 'data-testid="coverage-channels"' in text and "30.0%" in text


def test_another_city_s_department_and_procedure_are_not_found(city: dict[str, object]) -> None:
    browser = log_in_staff(city["admin"])  # type: ignore[arg-type]
    other, other_department = city["elsewhere"], city["elsewhere_department"]

    assert browser.get(reverse("catalog:dashboard_procedure", args=[other.pk])).status_code == 404  # type: ignore[attr-defined]
    assert (
        browser.get(
            reverse("catalog:dashboard_department", args=[other_department.pk])  # type: ignore[attr-defined]
        ).status_code
        == 404
    )
    assert browser.get(reverse("catalog:volume_entry", args=[other.pk])).status_code == 404  # type: ignore[attr-defined]
    assert "他市の課" not in browser.get(reverse("catalog:dashboard")).content.decode()


def test_the_dx_office_sets_the_target_and_a_clerk_cannot(city: dict[str, object]) -> None:
    admin = log_in_staff(city["admin"])  # type: ignore[arg-type]
    clerk = log_in_staff(city["clerk"])  # type: ignore[arg-type]
    data = {"target_percent": "70", "deadline": "2026-03-31"}

    refused = clerk.post(reverse("catalog:dashboard_target"), data)
    saved = admin.post(reverse("catalog:dashboard_target"), data)

    assert refused.status_code == 404
    assert saved.status_code == 302
    target = CoverageTarget.objects.get()
    assert (target.target_percent, target.deadline) == (70, date(2026, 3, 31))
    page = admin.get(reverse("catalog:dashboard")).content.decode()
    assert 'data-testid="coverage-target"' in page and "2026-03-31" in page
    assert coverage.target_of(city["first"].municipality) == target  # type: ignore[attr-defined]


def test_a_deadline_gone_by_without_the_target_says_so(city: dict[str, object]) -> None:
    admin = log_in_staff(city["admin"])  # type: ignore[arg-type]
    admin.post(
        reverse("catalog:dashboard_target"), {"target_percent": "100", "deadline": "2020-03-31"}
    )

    page = admin.get(reverse("catalog:dashboard")).content.decode()

    assert "deadline passed" in page and "points to go" not in page


def test_a_target_above_100_percent_is_refused_with_the_reason(city: dict[str, object]) -> None:
    admin = log_in_staff(city["admin"])  # type: ignore[arg-type]

    response = admin.post(
        reverse("catalog:dashboard_target"), {"target_percent": "170", "deadline": "2026-03-31"}
    )

    assert response.status_code == 422
    assert "error-summary" in response.content.decode()
    assert not CoverageTarget.objects.exists()


def test_a_clerk_enters_a_month_of_their_procedure_with_who_and_when(
    city: dict[str, object],
) -> None:
    clerk = city["clerk"]
    browser = log_in_staff(clerk)  # type: ignore[arg-type]
    juminhyo = city["juminhyo"]
    url = reverse("catalog:volume_entry", args=[juminhyo.pk])  # type: ignore[attr-defined]

    response = browser.post(url, {"month": "2025-04", "counter_paper": "12", "national": "3"})

    assert response.status_code == 302
    saved = MonthlyVolume.objects.filter(procedure=juminhyo, month=date(2025, 4, 1))
    assert {(v.channel, v.count, v.recorded_by) for v in saved} == {
        ("counter_paper", 12, clerk),
        ("national", 3, clerk),
    }
    assert browser.get(url).status_code == 200


def test_a_clerk_cannot_enter_another_department_s_volumes_nor_read_only_staff_any(
    city: dict[str, object],
) -> None:
    clerk = log_in_staff(city["clerk"])  # type: ignore[arg-type]
    first = city["first"]
    reader = log_in_staff(
        StaffFactory(
            municipality=first.municipality,  # type: ignore[attr-defined]
            departments=[first],
            role=StaffRole.READ_ONLY,
        )
    )
    tax = coverage.by_procedure(first.municipality, _this_month(), _this_month())  # type: ignore[attr-defined]
    tax_pk = next(p.pk for p in tax if p.label.startswith("T-001"))
    juminhyo = city["juminhyo"]

    assert clerk.get(reverse("catalog:volume_entry", args=[tax_pk])).status_code == 404
    assert reader.get(reverse("catalog:volume_entry", args=[juminhyo.pk])).status_code == 404  # type: ignore[attr-defined]
    assert reader.get(reverse("catalog:volume_import")).status_code == 404


def test_an_import_with_a_bad_row_shows_each_row_s_problem_and_records_nothing(
    city: dict[str, object],
) -> None:
    browser = log_in_staff(city["clerk"], language="ja")  # type: ignore[arg-type]
    content = "手続ID,年月,経路,件数\nA-001,2025-04,窓口（紙）,5\nT-001,2025-04,窓口（紙）,5\n"
    before = MonthlyVolume.objects.count()

    response = browser.post(
        reverse("catalog:volume_import"),
        {"file": SimpleUploadedFile("v.csv", content.encode(), content_type="text/csv")},
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "3行目" in text and "T-001" in text
    assert MonthlyVolume.objects.count() == before


def test_the_dashboard_shows_the_published_figure_of_the_public_page(
    city: dict[str, object],
) -> None:
    from madoguchi.catalog import opendata

    first = city["first"]
    last_month = coverage.add_months(_this_month(), -1)
    volume(city["juminhyo"], last_month, VolumeChannel.NATIONAL, 13)  # type: ignore[arg-type]
    volume(city["juminhyo"], last_month, VolumeChannel.MAIL_PAPER, 7)  # type: ignore[arg-type]
    browser = log_in_staff(city["admin"])  # type: ignore[arg-type]

    page = browser.get(reverse("catalog:dashboard")).content.decode()

    published = opendata.publication(first.municipality).rate  # type: ignore[attr-defined]
    assert published.percent == 65
    line = page.split('data-testid="coverage-published"', 1)[1].split("</p>", 1)[0]
    assert f"{published.percent}%" in line
