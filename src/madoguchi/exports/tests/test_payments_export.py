"""The treasury's reconciliation export (消込): rows, totals, files, who may see what."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from madoguchi.exports import payment_selectors, payment_services
from madoguchi.exports.payment_selectors import Period
from madoguchi.exports.services import ExportNotAllowed
from madoguchi.forms.models import FormVersion
from madoguchi.ledger.models import LedgerEntry as Entry
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    MunicipalityFactory,
    PaymentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.staff import LogIn

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
URL = reverse("exports:payments")
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


def titled(department: Department, slug: str, title: str) -> FormVersion:
    schema = SIMPLE_SCHEMA | {"title": {"ja": title, "en": slug}}
    return publish_form(department=department, slug=slug, schema=schema)


def pay(version: FormVersion, amount: int, paid: datetime, **fields: Any) -> Payment:
    payment: Payment = PaymentFactory(
        submission=submit_application(version),
        amount=amount,
        created_at=paid,
        paid_at=paid,
        **fields,
    )
    return payment


def refund(payment: Payment, when: datetime) -> Payment:
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.REFUNDED, refunded_at=when, refund_reference=f"re_{payment.pk}"
    )
    payment.refresh_from_db()
    return payment


@pytest.fixture
def city(department: Department) -> dict[str, Any]:
    """Kaga-like city: 市民課 (住民票, 300 円) and 税務課 (課税証明書, 400 円), two days."""
    municipality = department.municipality
    shimin = DepartmentFactory(municipality=municipality, code="shimin", name="市民課")
    zeimu = DepartmentFactory(municipality=municipality, code="zeimu", name="税務課")
    juminhyo = titled(shimin, "juminhyo", "住民票の写しの交付申請")
    kazei = titled(zeimu, "kazei", "課税証明書の交付申請")
    payments = [
        pay(juminhyo, 300, at(1, 9)),
        pay(juminhyo, 600, at(1, 15)),
        pay(kazei, 400, at(2, 11)),
    ]
    refund(payments[1], at(3, 10))
    return {"juminhyo": juminhyo, "kazei": kazei, "payments": payments, "shimin": shimin}


@pytest.fixture
def treasurer(department: Department, city: dict[str, Any]) -> StaffMember:
    """A 会計課 clerk: department staff who is a member of every department of the city."""
    municipality = department.municipality
    staff: StaffMember = StaffFactory(
        municipality=municipality, departments=list(municipality.departments.all())
    )
    return staff


@pytest.fixture
def admin(department: Department) -> StaffMember:
    staff: StaffMember = StaffFactory(
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    return staff


# --- rows and totals ---------------------------------------------------------------------


def test_a_refund_is_its_own_negative_row_on_the_day_it_was_refunded(
    treasurer: StaffMember, city: dict[str, Any]
) -> None:
    found = payment_selectors.movements(treasurer, period=DECEMBER)

    assert [(m.category, m.gross, m.fee, m.net, m.day.day) for m in found] == [
        ("charge", 300, 10, 290, 1),
        ("charge", 600, 21, 579, 1),
        ("charge", 400, 14, 386, 2),
        ("refund", -600, 0, -600, 3),
    ]
    refunded = found[3]
    assert refunded.receipt_serial == city["payments"][1].receipt_serial
    assert refunded.provider_reference == city["payments"][1].refund_reference
    assert refunded.procedure == "住民票の写しの交付申請"
    assert refunded.department == "市民課"


def test_totals_per_category_day_and_procedure_add_up(
    treasurer: StaffMember, city: dict[str, Any]
) -> None:
    summary = payment_selectors.summarize(payment_selectors.movements(treasurer, period=DECEMBER))

    charge, refunds = summary.by_category["charge"], summary.by_category["refund"]
    assert (charge.charges, charge.gross, charge.fee, charge.net) == (3, 1300, 45, 1255)
    assert (refunds.refunds, refunds.gross, refunds.fee, refunds.net) == (1, -600, 0, -600)
    assert (summary.total.count, summary.total.gross, summary.total.net) == (4, 700, 655)
    assert {d.day: (t.charges, t.refunds, t.gross, t.net) for d, t in summary.by_day.items()} == {
        1: (2, 0, 900, 869),
        2: (1, 0, 400, 386),
        3: (0, 1, -600, -600),
    }
    assert {key[0]: (t.count, t.gross, t.fee) for key, t in summary.by_procedure.items()} == {
        "住民票の写しの交付申請": (3, 300, 31),
        "課税証明書の交付申請": (1, 400, 14),
    }


def test_the_procedure_filter_keeps_only_that_forms_movements(
    treasurer: StaffMember, city: dict[str, Any]
) -> None:
    found = payment_selectors.movements(treasurer, period=DECEMBER, form_id=city["kazei"].form_id)

    assert [(m.procedure, m.gross) for m in found] == [("課税証明書の交付申請", 400)]


def test_days_are_japan_days_midnight_belongs_to_the_new_day(
    treasurer: StaffMember, city: dict[str, Any]
) -> None:
    late = pay(city["kazei"], 1000, at(30, 23, 59, month=11))  # 14:59 UTC on 30 Nov
    midnight = pay(city["kazei"], 2000, at(1, 0, 0))  # 15:00 UTC on 30 Nov

    november = payment_selectors.movements(
        treasurer, period=Period(date(2026, 11, 30), date(2026, 11, 30))
    )
    first = payment_selectors.movements(
        treasurer, period=Period(date(2026, 12, 1), date(2026, 12, 1))
    )

    assert [m.receipt_serial for m in november] == [late.receipt_serial]
    assert midnight.receipt_serial in [m.receipt_serial for m in first]
    assert [m.day for m in first] == [date(2026, 12, 1)] * 3


def test_a_fee_not_reported_yet_counts_as_zero_and_is_flagged(
    treasurer: StaffMember, city: dict[str, Any]
) -> None:
    pay(city["kazei"], 500, at(5), provider_fee=None, net=None)

    summary = payment_selectors.summarize(
        payment_selectors.movements(treasurer, period=Period(date(2026, 12, 5), date(2026, 12, 5)))
    )

    assert (summary.total.fee, summary.total.net, summary.total.fee_unknown) == (0, 500, 1)


# --- who sees what -----------------------------------------------------------------------


def test_only_staff_who_see_the_whole_city_may_export_payments(
    treasurer: StaffMember, admin: StaffMember, staff: StaffMember, city: dict[str, Any]
) -> None:
    reader = StaffFactory(
        municipality=treasurer.municipality,
        role=StaffRole.READ_ONLY,
        departments=list(treasurer.municipality.departments.all()),
    )

    assert payment_selectors.may_export_payments(treasurer)
    assert payment_selectors.may_export_payments(admin)
    assert not payment_selectors.may_export_payments(staff)  # one department only
    assert not payment_selectors.may_export_payments(reader)
    with pytest.raises(ExportNotAllowed):
        payment_services.export_payments(staff=staff, period=DECEMBER)


def test_kaga_staff_never_see_kobes_payments(admin: StaffMember, city: dict[str, Any]) -> None:
    kobe = MunicipalityFactory(lg_code="281000", name="神戸市")
    kobe_version = titled(DepartmentFactory(municipality=kobe), "kobe-fee", "神戸の手続")
    kobe_payment = pay(kobe_version, 9999, at(1, 12))

    found = payment_selectors.movements(admin, period=DECEMBER)
    procedures = payment_selectors.procedures_with_payments(admin)
    by_kobe_form = payment_selectors.movements(admin, period=DECEMBER, form_id=kobe_version.form_id)

    assert kobe_payment.receipt_serial not in [m.receipt_serial for m in found]
    assert 9999 not in [m.gross for m in found]
    assert kobe_version.form_id not in [pk for pk, _title in procedures]
    assert by_kobe_form == []


def test_a_department_clerk_gets_403_and_kobe_staff_see_no_kaga_money(
    staff: StaffMember, city: dict[str, Any], log_in: LogIn
) -> None:
    kobe = MunicipalityFactory(lg_code="281000", name="神戸市")
    kobe_admin = StaffFactory(municipality=kobe, role=StaffRole.MUNICIPALITY_ADMIN)

    refused = log_in(staff).get(URL)
    kobe_page = log_in(kobe_admin).get(URL, {"from": "2026-12-01", "to": "2026-12-31"})

    assert refused.status_code == 403
    assert kobe_page.status_code == 200
    assert "住民票の写しの交付申請" not in kobe_page.text
    assert "No payment or refund in this period." in kobe_page.text


# --- the page and its files --------------------------------------------------------------


def test_the_page_previews_totals_per_day_and_procedure(
    treasurer: StaffMember, city: dict[str, Any], log_in: LogIn
) -> None:
    page = log_in(treasurer, language="ja").get(URL, {"from": "2026-12-01", "to": "2026-12-31"})

    assert page.status_code == 200
    assert "2026-12-03" in page.text
    assert "住民票の写しの交付申請" in page.text and "課税証明書の交付申請" in page.text
    assert "1,255" in page.text and "-600" in page.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"from": "", "to": "2026-12-31"}, "from", "Enter the first day of the period."),
        ({"from": "2026-12-31", "to": "2026-12-01"}, "to", "on or after the first day"),
        ({"from": "2025-12-01", "to": "2026-12-31"}, "to", "at most 366 days"),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "from", "Enter a valid date."),
    ],
)
def test_a_bad_period_is_refused_in_the_error_summary_with_the_input_kept(
    treasurer: StaffMember, log_in: LogIn, data: dict[str, str], field: str, message: str
) -> None:
    response = log_in(treasurer).post(URL, data | {"format": "csv"})

    assert response.status_code == 422
    assert 'class="error-summary"' in response.text
    assert f'href="#{field}"' in response.text
    assert message in response.text
    assert f'value="{data["to"]}"' in response.text
    assert not Entry.objects.filter(event="submission.exported").exists()


def test_366_days_are_allowed(treasurer: StaffMember, log_in: LogIn) -> None:
    response = log_in(treasurer).get(URL, {"from": "2026-01-01", "to": "2027-01-01"})

    assert response.status_code == 200


def test_the_csv_download_has_every_column_and_is_recorded_without_personal_data(
    treasurer: StaffMember, city: dict[str, Any], log_in: LogIn
) -> None:
    response = log_in(treasurer).post(
        URL, {"from": "2026-12-01", "to": "2026-12-31", "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == payment_services.HEADER
    assert [(r[4], r[5], r[6], r[11]) for r in rows[1:]] == [
        ("300", "10", "290", "charge"),
        ("600", "21", "579", "charge"),
        ("400", "14", "386", "charge"),
        ("-600", "0", "-600", "refund"),
    ]
    assert rows[4][9] == "2026-12-01 15:00:00" and rows[4][10] == "2026-12-03 10:00:00"
    assert rows[1][10] == ""
    entry = Entry.objects.get(event="submission.exported")
    assert entry.subject.startswith("payments_export:")
    assert entry.detail["rows"] == "4" and entry.detail["from"] == "2026-12-01"
    logged = str(entry.detail)
    for payment in city["payments"]:
        assert payment.receipt_serial not in logged
        assert payment.submission.receipt_number not in logged


def test_cp932_encodes_every_column_with_kanji_titles(
    treasurer: StaffMember, city: dict[str, Any], log_in: LogIn
) -> None:
    browser = log_in(treasurer)
    period = {"from": "2026-12-01", "to": "2026-12-31", "encoding": "cp932"}

    rows_file = browser.post(URL, period | {"format": "csv"})
    totals_file = browser.post(URL, period | {"format": "summary_csv"})

    assert rows_file.status_code == totals_file.status_code == 200
    assert "-cp932" in rows_file["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(rows_file.content.decode("cp932"), newline="")))
    assert rows[0] == payment_services.HEADER
    assert rows[1][2:4] == ["住民票の写しの交付申請", "市民課"]
    totals = list(csv.reader(io.StringIO(totals_file.content.decode("cp932"), newline="")))
    assert totals[0] == payment_services.SUMMARY_HEADER
    assert ["区分別", "charge", "", "3", "3", "0", "1300", "45", "1255"] in totals
    assert ["手続別", "課税証明書の交付申請", "税務課", "1", "1", "0", "400", "14", "386"] in totals


def test_a_title_cp932_cannot_hold_is_refused_not_replaced(
    treasurer: StaffMember, city: dict[str, Any], log_in: LogIn
) -> None:
    pay(titled(city["shimin"], "yoshi", "𠮷野家の営業許可"), 200, at(4))

    response = log_in(treasurer).post(
        URL, {"from": "2026-12-01", "to": "2026-12-31", "encoding": "cp932", "format": "csv"}
    )

    assert response.status_code == 422
    assert "Choose UTF-8." in response.text
    assert not Entry.objects.filter(event="submission.exported").exists()


def _sheets(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        # Our own file, just written by the code under test.
        book = ElementTree.fromstring(workbook.read("xl/workbook.xml"))  # noqa: S314
        names = [s.get("name", "") for s in book.iterfind(".//x:sheet", NS)]
        result = {}
        for index, name in enumerate(names, start=1):
            sheet = ElementTree.fromstring(  # noqa: S314
                workbook.read(f"xl/worksheets/sheet{index}.xml")
            )
            result[name] = [
                [
                    c.findtext("x:v", default="", namespaces=NS)
                    or "".join(t.text or "" for t in c.iterfind(".//x:t", NS))
                    for c in row.iterfind("x:c", NS)
                ]
                for row in sheet.iterfind(".//x:row", NS)
            ]
    return result


def test_the_xlsx_holds_the_rows_and_the_totals_as_two_sheets(
    treasurer: StaffMember, city: dict[str, Any], log_in: LogIn
) -> None:
    response = log_in(treasurer).post(
        URL, {"from": "2026-12-01", "to": "2026-12-31", "format": "xlsx"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = _sheets(response.content)
    assert list(sheets) == ["明細", "集計"]
    assert sheets["明細"][0] == payment_services.HEADER
    assert [row[4] for row in sheets["明細"][1:]] == ["300", "600", "400", "-600"]
    assert sheets["集計"][3][:1] + sheets["集計"][3][6:] == ["合計", "700", "45", "655"]


# --- against the provider simulator's balance transactions ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_totals_equal_the_providers_balance_transactions_per_reporting_category(
    paysim: Any,
) -> None:
    from datetime import UTC, timedelta

    kaga = MunicipalityFactory(lg_code="172065", name="加賀市")
    version = titled(DepartmentFactory(municipality=kaga, name="市民課"), "juminhyo", "住民票")
    admin = StaffFactory(municipality=kaga, role=StaffRole.MUNICIPALITY_ADMIN)
    client = paysim.client("172065")
    started = datetime.now(UTC) - timedelta(minutes=1)
    payments = []
    for amount in (300, 600, 750):
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "jpy",
                            "unit_amount": amount,
                            "product_data": {"name": "住民票"},
                        },
                        "quantity": 1,
                    }
                ],
                "success_url": "http://testserver/done",
                "cancel_url": "http://testserver/cancel",
            }
        )
        assert paysim.pay(session.id).ok
        paid = client.v1.checkout.sessions.retrieve(
            session.id, params={"expand": ["payment_intent.latest_charge.balance_transaction"]}
        )
        balance = paid.payment_intent.latest_charge.balance_transaction
        # What the app stores from the provider's answer (webhook or return page).
        payments.append(
            pay(
                version,
                amount,
                datetime.fromtimestamp(balance.created, UTC),
                provider_reference=paid.payment_intent.id,
                provider_fee=balance.fee,
                net=balance.net,
            )
        )
    refunded = client.v1.refunds.create(params={"payment_intent": payments[1].provider_reference})
    refund(payments[1], datetime.fromtimestamp(refunded.created, UTC))
    listed = client.v1.balance_transactions.list(
        params={"created": {"gte": int(started.timestamp())}, "limit": 100}
    )

    today = datetime.now(TOKYO).date()
    summary = payment_selectors.summarize(
        payment_selectors.movements(admin, period=Period(today - timedelta(days=1), today))
    )

    for category in ("charge", "refund"):
        theirs = [t for t in listed.data if t.reporting_category == category]
        ours = summary.by_category[category]
        assert (ours.count, ours.gross, ours.fee, ours.net) == (
            len(theirs),
            sum(t.amount for t in theirs),
            sum(t.fee for t in theirs),
            sum(t.net for t in theirs),
        ), category
    assert summary.by_category["refund"].count == 1


# --- the operator's command ----------------------------------------------------------------


def test_reconcile_report_writes_a_days_file_for_the_whole_city(
    city: dict[str, Any], tmp_path: Any
) -> None:
    from django.core.management import call_command

    lg_code = city["juminhyo"].form.municipality.lg_code
    out = io.StringIO()

    call_command(
        "reconcile_report",
        "--date=2026-12-01",
        f"--municipality={lg_code}",
        f"--output={tmp_path}",
        stdout=out,
    )

    written = tmp_path / f"payments-{lg_code}-20261201-20261201.csv"
    rows = list(csv.reader(io.StringIO(written.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[4] for r in rows[1:]] == ["300", "600"]
    assert "2 rows, gross 900, fee 31, net 869" in out.getvalue()
    entry = Entry.objects.get(event="submission.exported")
    assert entry.actor == "operator" and entry.detail["municipality"] == lg_code
