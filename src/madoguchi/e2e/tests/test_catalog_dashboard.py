"""Kobe's DX office reads the coverage rate (カバー率), sets the target, drills down to a
department and a procedure; a ward clerk enters a month and imports a file with a bad row;
Kaga's administrator never sees Kobe's procedure (axe on every page, no JavaScript needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.catalog import coverage
from madoguchi.catalog.channels import VolumeChannel
from madoguchi.catalog.models import MonthlyVolume, Procedure
from madoguchi.tenants.models import Department

from .conftest import _csp_violations, assert_accessible, doc_screenshot, log_in_demo_staff


def _kobe_procedures() -> tuple[Procedure, Procedure]:
    shimin = Department.objects.get(code="chuo-shimin", municipality__lg_code="281000")
    # Last month: complete, as on the public page (the current month is still being counted).
    month = coverage.add_months(timezone.localdate().replace(day=1), -1)
    made = []
    for procedure_id, name, counts in [
        ("E2E-001", "住民票の写しの交付（試験）", {"online": 300, "counter_paper": 700}),
        ("E2E-002", "印鑑登録証明書の交付（試験）", {"counter_paper": 400, "national": 100}),
    ]:
        procedure = Procedure.objects.create(
            municipality=shimin.municipality,
            department=shimin,
            procedure_id=procedure_id,
            name=name,
        )
        for channel, count in counts.items():
            MonthlyVolume.objects.create(
                procedure=procedure,
                month=month,
                channel=VolumeChannel(channel),
                count=count,
                recorded_at=timezone.now(),
            )
        made.append(procedure)
    return made[0], made[1]


def test_the_dx_office_reads_the_rate_sets_the_target_and_drills_down(
    demo: None, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    juminhyo, inkan = _kobe_procedures()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    log_in_demo_staff(page, base, "kobe-admin")

    last_month = coverage.add_months(timezone.localdate().replace(day=1), -1)
    page.goto(f"{base}/staff/catalog/dashboard/?fy={coverage.fiscal_year_of(last_month)}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("カバー率")
    expect(page.get_by_test_id("coverage-chart")).to_be_visible()
    expect(page.get_by_test_id("coverage-movers")).to_be_visible()
    expect(page.get_by_test_id("coverage-departments")).to_contain_text("中央区役所 市民課")
    assert_accessible(page, name="coverage dashboard")
    page.get_by_label("目標カバー率（%）").fill("70")
    page.get_by_label("期限").fill("2026-03-31")
    page.get_by_role("button", name="目標を保存").click()
    expect(page.get_by_test_id("coverage-target")).to_contain_text("70")
    doc_screenshot(page, "coverage-dashboard", down_to="[data-testid=coverage-months]")

    page.goto(f"{base}/staff/catalog/dashboard/?fy={coverage.fiscal_year_of(last_month)}")

    page.get_by_test_id("coverage-departments").get_by_role(
        "link", name="中央区役所 市民課"
    ).click()
    expect(page.get_by_test_id("coverage-procedures")).to_contain_text("E2E-002")
    assert_accessible(page, name="coverage of a department")
    page.get_by_test_id("coverage-procedures").get_by_role(
        "link", name="E2E-002", exact=False
    ).click()
    expect(page.get_by_test_id("coverage-headline")).to_contain_text("20.0%")
    assert_accessible(page, name="coverage of a procedure")

    page.get_by_role("link", name="月別件数を入力").click()
    page.locator("#id_month").fill("2025-04")
    page.locator("#id_counter_paper").fill("410")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("volume-recorded")).to_contain_text("410")
    assert_accessible(page, name="monthly volume entry")

    bad = tmp_path / "volumes.csv"
    bad.write_text("手続ID,年月,経路,件数\nE2E-001,2025-04,窓口（紙）,5\nNONE-1,2025-04,fax,x\n")
    page.goto(f"{base}/staff/catalog/volumes/import/")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="取り込む").last.click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("3行目")
    assert_accessible(page, name="volume import errors")
    assert not MonthlyVolume.objects.filter(procedure=juminhyo, month__year=2025).exists()
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"

    kaga = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    other = kaga.new_page()
    log_in_demo_staff(other, base, "kaga-admin")
    response = other.goto(f"{base}/staff/catalog/dashboard/procedure/{inkan.pk}/")
    assert response is not None and response.status == 404
    other.goto(f"{base}/staff/catalog/dashboard/")
    expect(other.get_by_test_id("coverage-headline")).to_be_visible()
    assert "E2E-001" not in other.content()
    kaga.close()
