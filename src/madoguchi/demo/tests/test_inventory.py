"""The demo's procedure inventories: Kobe's largest procedures with 18 months of volumes and a
rising smart share, Kaga's 139 digitised procedures; loaded once, wiped by --reset."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.catalog import coverage, publication
from madoguchi.catalog.models import CoverageTarget, MonthlyVolume, Procedure
from madoguchi.demo import inventory
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Municipality

pytestmark = pytest.mark.django_db


def test_kobe_has_its_largest_procedures_with_a_rising_smart_share_and_the_70_percent_target(
    demo_data: None,
) -> None:
    kobe = Municipality.objects.get(lg_code="281000")
    procedures = Procedure.objects.filter(municipality=kobe)
    months = inventory.demo_months()
    rows = coverage.volume_rows(kobe, months[0], months[-1])
    series = coverage.series(rows, months[0], months[-1])

    assert procedures.filter(target=True).count() >= 30
    assert {"住民異動", "子育て・教育", "税金", "すまい", "福祉", "ビジネス"} <= set(
        procedures.values_list("category", flat=True)
    )
    assert all(p.exclusion_reason for p in procedures.filter(target=False))
    assert procedures.filter(target=False).count() >= 2
    assert {p.seal_review for p in procedures} >= {"abolish", "keep", "e_signature"}
    assert len(months) == 18
    first, last = series[0].rate.percent, series[-1].rate.percent
    assert first is not None and last is not None and first + 15 < last < 70
    yearly = coverage.rate(r for r in rows if r.month >= months[-12])
    assert 1_000_000 < yearly.total < 2_340_000  # a share of Kobe's 2.34 million a year
    target = CoverageTarget.objects.get(municipality=kobe)
    assert (target.target_percent, target.deadline) == (Decimal("70.00"), date(2027, 3, 31))


def test_kaga_counts_139_digitised_procedures_and_every_demo_form_is_linked(
    demo_data: None,
) -> None:
    kaga = Procedure.objects.filter(municipality__lg_code="172065")
    linked = set(Procedure.objects.exclude(form=None).values_list("form_id", flat=True))

    assert len([p for p in kaga if "online" in p.channels]) == 139
    assert [p for p in kaga if p.channels == ["paper_only"]]
    assert linked == set(Form.objects.values_list("pk", flat=True))
    assert MonthlyVolume.objects.filter(procedure__municipality__lg_code="172065").exists()


def test_the_demo_cities_publish_their_coverage_page(demo_data: None) -> None:
    for lg_code in ("281000", "172065"):
        assert publication.is_published(Municipality.objects.get(lg_code=lg_code))


def test_loading_again_adds_nothing_and_reset_reloads_the_same_inventory(
    demo_data: None,
) -> None:
    procedures, volumes = Procedure.objects.count(), MonthlyVolume.objects.count()
    ids = set(Procedure.objects.values_list("municipality__lg_code", "procedure_id"))

    assert inventory.load_inventories() == []
    call_command("demo", stdout=StringIO())
    assert (Procedure.objects.count(), MonthlyVolume.objects.count()) == (procedures, volumes)
    started = time.monotonic()
    call_command("demo", "--reset", stdout=StringIO())
    assert time.monotonic() - started < 30
    assert set(Procedure.objects.values_list("municipality__lg_code", "procedure_id")) == ids
    assert MonthlyVolume.objects.count() == volumes
