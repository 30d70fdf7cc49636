"""The public coverage page and its open data (/catalog/<lg_code>/): the same numbers in
the page, the CSV and the JSON; excluded procedures listed as excluded; no personal data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.catalog import coverage, opendata, publication
from madoguchi.catalog.models import CoverageTarget
from madoguchi.core import events
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Municipality, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.staff import log_in_staff

from .helpers import procedure, volume

pytestmark = pytest.mark.django_db


def last_month() -> date:
    return coverage.add_months(coverage.month_of(timezone.localdate()), -1)


@pytest.fixture
def city():  # type: ignore[no-untyped-def]
    department = DepartmentFactory(name="市民課")
    municipality = department.municipality
    version = publish_form(department=department, slug="juminhyo")
    online = procedure(
        department,
        "JUMIN-0001",
        name="住民票の写しの交付請求",
        channels=["online", "paper_only"],
        form=version.form,
    )
    paper = procedure(department, "JUMIN-0002", name="転居届", channels=["paper_only"])
    excluded = procedure(
        department,
        "JUMIN-0003",
        name="婚姻届",
        channels=["paper_only"],
        target=False,
        exclusion_reason="戸籍法により届書の提出が求められるため",
    )
    month, before = last_month(), coverage.add_months(last_month(), -1)
    volume(online, month, "counter_paper", 70)
    volume(online, before, "mail_web", 10)
    volume(online, before, "counter_paper", 30)
    volume(paper, month, "counter_paper", 100)
    volume(paper, before, "national", 20)
    volume(excluded, month, "counter_paper", 50)
    # One application through Madoguchi last month: counted live as online.
    submission = submit_application(version)
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=timezone.now().replace(day=1) - timedelta(days=3)
    )
    CoverageTarget.objects.create(
        municipality=municipality,
        target_percent=Decimal("70.00"),
        deadline=date(2026, 3, 31),
        set_at=timezone.now(),
    )
    publication.set_published(municipality, True, by=None)
    return municipality


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_page_the_csv_and_the_json_give_the_same_numbers(city, client: Client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/catalog/{city.lg_code}/")
    procedures = read_csv(client.get(f"/catalog/{city.lg_code}/procedures.csv").content)
    months = read_csv(client.get(f"/catalog/{city.lg_code}/coverage.csv").content)
    document = json.loads(client.get(f"/catalog/{city.lg_code}/procedures.json").content)

    # Target receipts: 1 online + 70 + 10 mail_web + 30 (JUMIN-0001), 100 + 20 national.
    expected = coverage.Rate(smart=31, total=231, percent=Decimal("13.4"))
    assert page.status_code == 200
    assert page.context["publication"].rate == expected
    assert "13.4%" in page.content.decode()
    targets = [row for row in procedures if row["カバー率の対象"] == "対象"]
    assert sum(int(row["スマート件数"]) for row in targets) == expected.smart
    assert sum(int(row["受付件数"]) for row in targets) == expected.total
    assert sum(int(row["スマート件数"]) for row in months) == expected.smart
    assert sum(int(row["受付件数"]) for row in months) == expected.total
    assert months[-1]["年月"] == f"{last_month():%Y-%m}"
    assert months[-1]["カバー率"] == "0.6"  # 1 of 171
    by_id = {row["ID"]: row for row in procedures}
    assert by_id["JUMIN-0001"]["オンライン件数"] == "1"
    assert by_id["JUMIN-0002"]["オンライン件数"] == "20"  # the national service
    assert [
        {k: str(v) if v is not None else "" for k, v in r.items()} for r in document["records"]
    ] == procedures


def test_the_files_follow_the_open_data_conventions_and_state_their_license(
    city,
    client: Client,  # type: ignore[no-untyped-def]
) -> None:
    response = client.get(f"/catalog/{city.lg_code}/procedures.csv")
    coverage_json = json.loads(client.get(f"/catalog/{city.lg_code}/coverage.json").content)

    header = response.content.decode("utf-8-sig").split("\r\n")[0].split(",")
    assert header[:3] == ["全国地方公共団体コード", "ID", "地方公共団体名"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'rel="license"' in response["Link"] and "by/4.0" in response["Link"]
    row = read_csv(response.content)[0]
    assert row["全国地方公共団体コード"] == city.lg_code and row["地方公共団体名"] == city.name
    assert date.fromisoformat(row["集計期間_開始"]) < date.fromisoformat(row["集計期間_終了"])
    assert coverage_json["license"] == "CC BY 4.0"
    assert coverage_json["columns"][:2] == ["全国地方公共団体コード", "地方公共団体名"]
    assert coverage_json["records"][-1]["目標"] == 70.0
    assert coverage_json["records"][-1]["目標期限"] == "2026-03-31"
    assert "CC BY 4.0" in client.get(f"/catalog/{city.lg_code}/").content.decode()


def test_excluded_procedures_are_listed_as_excluded_with_their_reason(city, client: Client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/catalog/{city.lg_code}/").content.decode()
    rows = {
        r["ID"]: r for r in read_csv(client.get(f"/catalog/{city.lg_code}/procedures.csv").content)
    }

    assert rows["JUMIN-0003"]["カバー率の対象"] == "対象外"
    assert rows["JUMIN-0003"]["対象外の理由"] == "戸籍法により届書の提出が求められるため"
    assert rows["JUMIN-0003"]["受付件数"] == "50"
    assert rows["JUMIN-0001"]["対象外の理由"] == ""
    excluded_table = page.split('data-testid="public-excluded"')[1]
    assert "婚姻届" in excluded_table and "戸籍法により届書の提出が求められるため" in excluded_table
    assert "婚姻届" not in page.split('data-testid="public-procedures"')[1].split("</table>")[0]


def test_nothing_personal_is_published(city, client: Client) -> None:  # type: ignore[no-untyped-def]
    bodies = [
        client.get(f"/catalog/{city.lg_code}/{name}").content.decode("utf-8-sig")
        for name in ["", "procedures.csv", "procedures.json", "coverage.csv", "coverage.json"]
    ]

    receipt_number = Submission.objects.get().receipt_number
    for body in bodies:
        assert "加賀 太郎" not in body and "カガ タロウ" not in body
        assert "taro@example.jp" not in body
        assert receipt_number not in body
    assert set(opendata.PROCEDURE_COLUMNS).isdisjoint(
        {"氏名", "住所", "電話番号", "メールアドレス"}
    )


def test_a_city_without_an_inventory_has_no_public_page(client: Client) -> None:
    department = DepartmentFactory()

    assert client.get(f"/catalog/{department.municipality.lg_code}/").status_code == 404
    assert client.get("/catalog/999999/procedures.csv").status_code == 404


def test_the_procedure_list_links_the_public_page(city, client: Client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/{city.lg_code}/").content.decode()

    assert f'href="/catalog/{city.lg_code}/"' in page


def test_a_withdrawn_application_is_no_receipt_anywhere_and_a_rejected_one_is(
    city: Municipality, client: Client
) -> None:
    juminhyo = Submission.objects.get(municipality=city)
    withdrawn = submit_application(juminhyo.form_version)
    rejected = submit_application(juminhyo.form_version)
    Submission.objects.filter(pk=withdrawn.pk).update(
        submitted_at=juminhyo.submitted_at, status=Status.WITHDRAWN
    )
    Submission.objects.filter(pk=rejected.pk).update(
        submitted_at=juminhyo.submitted_at, status=Status.REJECTED
    )
    _dx, staff_client = _dx_client(city)

    page = client.get(f"/catalog/{city.lg_code}/")
    procedures = read_csv(client.get(f"/catalog/{city.lg_code}/procedures.csv").content)
    dashboard = staff_client.get("/staff/catalog/dashboard/")

    # The figures of the first test, plus the rejected application (online, so smart).
    expected = coverage.Rate(smart=32, total=232, percent=Decimal("13.8"))
    assert page.context["publication"].rate == expected
    assert {row["ID"]: row["オンライン件数"] for row in procedures}["JUMIN-0001"] == "2"
    assert dashboard.context["published"] == expected


def _dx_client(city: Municipality) -> tuple[StaffMember, Client]:
    made = StaffFactory(municipality=city, role=StaffRole.MUNICIPALITY_ADMIN)
    dx = StaffMember.objects.get(pk=made.pk)  # type: ignore[attr-defined]
    return dx, log_in_staff(dx)


FILES = ("procedures.csv", "procedures.json", "coverage.csv", "coverage.json")


def test_unpublished_the_page_and_files_are_not_found_and_not_linked(
    city: Municipality, client: Client
) -> None:
    publication.set_published(city, False, by=None)

    assert client.get(f"/catalog/{city.lg_code}/").status_code == 404
    for name in FILES:
        assert client.get(f"/catalog/{city.lg_code}/{name}").status_code == 404
    assert (
        f'href="/catalog/{city.lg_code}/"' not in client.get(f"/{city.lg_code}/").content.decode()
    )


def test_the_dx_office_previews_then_publishes_and_the_ledger_records_it(
    city: Municipality, client: Client
) -> None:
    publication.set_published(city, False, by=None)
    dx, staff_client = _dx_client(city)

    settings_page = staff_client.get("/staff/catalog/publication/")
    preview = staff_client.get("/staff/catalog/publication/preview/")
    preview_csv = staff_client.get("/staff/catalog/publication/preview/procedures.csv")
    assert settings_page.status_code == 200
    assert 'data-testid="publication-summary"' in settings_page.content.decode()
    assert preview.status_code == 200 and "13.4%" in preview.content.decode()
    assert preview["Cache-Control"] == "private, no-store"
    assert preview_csv.status_code == 200 and "JUMIN-0001" in preview_csv.content.decode()
    assert client.get(f"/catalog/{city.lg_code}/").status_code == 404

    answer = staff_client.post("/staff/catalog/publication/switch/", {"published": "1"})

    assert answer.status_code == 302
    assert client.get(f"/catalog/{city.lg_code}/").status_code == 200
    assert client.get(f"/catalog/{city.lg_code}/coverage.json").status_code == 200
    entry = LedgerEntry.objects.filter(
        event=events.Event.CONFIG_CHANGED, subject=f"catalog:{city.lg_code}:publication"
    ).last()
    assert entry is not None
    assert entry.detail == {"published": "1"}
    assert entry.actor == events.pseudonym("staff", dx.pk)

    staff_client.post("/staff/catalog/publication/switch/", {"published": "0"})
    assert client.get(f"/catalog/{city.lg_code}/").status_code == 404


def test_only_the_dx_office_sees_and_turns_the_switch(city: Municipality) -> None:
    clerk = StaffFactory(municipality=city)
    clerk_client = log_in_staff(StaffMember.objects.get(pk=clerk.pk))  # type: ignore[attr-defined]

    assert clerk_client.get("/staff/catalog/publication/").status_code == 404
    assert clerk_client.get("/staff/catalog/publication/preview/").status_code == 404
    assert (
        clerk_client.post("/staff/catalog/publication/switch/", {"published": "0"}).status_code
        == 404
    )
    assert publication.is_published(city)
