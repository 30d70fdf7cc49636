from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.catalog import coverage
from madoguchi.catalog.channels import SMART, VolumeChannel
from madoguchi.catalog.coverage import VolumeRow
from madoguchi.counter import services as counter_services
from madoguchi.submissions.models import Channel, Submission
from madoguchi.testing.counter import counter_form, ready_to_accept
from madoguchi.testing.factories import DepartmentFactory, submit_application

from .helpers import procedure, volume

MONTH = date(2025, 4, 1)

rows = st.lists(
    st.builds(
        VolumeRow,
        procedure_pk=st.integers(1, 5),
        month=st.just(MONTH),
        channel=st.sampled_from(VolumeChannel.values),
        count=st.integers(0, 10_000),
        target=st.booleans(),
    ),
    max_size=30,
)


@given(rows)
def test_the_rate_is_between_0_and_100_percent_or_none_without_receipts(
    volumes: list[VolumeRow],
) -> None:
    result = coverage.rate(volumes)

    if result.total == 0:
        assert result.percent is None
    else:
        assert result.percent is not None and Decimal(0) <= result.percent <= Decimal(100)
        assert 0 <= result.smart <= result.total


@given(rows, st.sampled_from(sorted(SMART)), st.integers(1, 10_000))
def test_more_smart_receipts_never_lower_the_rate(
    volumes: list[VolumeRow], channel: str, more: int
) -> None:
    before = coverage.rate(volumes)

    after = coverage.rate([*volumes, VolumeRow(99, MONTH, channel, more, True)])

    assert after.smart == before.smart + more
    assert after.percent is not None
    assert before.percent is None or after.percent >= before.percent


@given(rows, st.sampled_from(VolumeChannel.values), st.integers(0, 10_000))
def test_receipts_of_excluded_procedures_change_nothing(
    volumes: list[VolumeRow], channel: str, count: int
) -> None:
    before = coverage.rate(volumes)

    after = coverage.rate([*volumes, VolumeRow(98, MONTH, channel, count, False)])

    assert after == before


def test_smart_is_online_national_mail_made_on_the_web_and_counter_pre_registration() -> None:
    volumes = [VolumeRow(1, MONTH, channel, 1, True) for channel in VolumeChannel.values]

    result = coverage.rate(volumes)

    assert (result.smart, result.total, result.percent) == (4, 6, Decimal("66.7"))


@pytest.mark.django_db
def test_madoguchi_counts_its_receipts_live_by_channel() -> None:
    department = DepartmentFactory()
    form_version = counter_form(department=department)
    proc = procedure(department, "A-001", form=form_version.form)
    submit_application(form_version)
    mail = submit_application(form_version)
    Submission.objects.filter(pk=mail.pk).update(channel=Channel.MAIL)
    clerk_filled = submit_application(form_version)
    Submission.objects.filter(pk=clerk_filled.pk).update(channel=Channel.COUNTER)
    application, clerk = ready_to_accept(form_version)
    counter_services.submit_application(application=application, clerk=clerk)
    today = clerk_filled.submitted_at.date()

    counts = coverage.madoguchi_volumes(department.municipality, today, today)

    month = today.replace(day=1)
    assert counts == {
        (proc.pk, month, VolumeChannel.ONLINE): 1,
        (proc.pk, month, VolumeChannel.MAIL_WEB): 1,
        (proc.pk, month, VolumeChannel.COUNTER_PAPER): 1,
        (proc.pk, month, VolumeChannel.COUNTER_PREREG): 1,
    }


@pytest.mark.django_db
def test_the_city_rate_adds_live_and_entered_receipts_and_leaves_out_excluded() -> None:
    department = DepartmentFactory()
    form_version = counter_form(department=department)
    with_form = procedure(department, "A-001", form=form_version.form)
    paper = procedure(department, "A-002")
    excluded = procedure(department, "A-003", target=False, exclusion_reason="選挙")
    submission = submit_application(form_version)
    month = submission.submitted_at.date().replace(day=1)
    volume(with_form, month, VolumeChannel.COUNTER_PAPER, 1)
    volume(paper, month, VolumeChannel.COUNTER_PAPER, 2)
    volume(excluded, month, VolumeChannel.COUNTER_PAPER, 100)

    series = coverage.city_series(department.municipality, 1, today=month)

    assert [(m.month, m.rate.smart, m.rate.total) for m in series] == [(month, 1, 4)]
    assert series[0].rate.percent == Decimal("25.0")


@pytest.mark.django_db
def test_movers_list_the_largest_non_smart_volume_first_with_the_rate_it_would_give() -> None:
    department = DepartmentFactory()
    big = procedure(department, "B-001")
    small = procedure(department, "B-002")
    done = procedure(department, "B-003")
    volume(big, MONTH, VolumeChannel.COUNTER_PAPER, 60)
    volume(small, MONTH, VolumeChannel.MAIL_PAPER, 20)
    volume(small, MONTH, VolumeChannel.ONLINE, 10)
    volume(done, MONTH, VolumeChannel.NATIONAL, 10)

    movers = coverage.movers(department.municipality, MONTH, MONTH)

    assert [(m.procedure.procedure_id, m.non_smart) for m in movers] == [
        ("B-001", 60),
        ("B-002", 20),
    ]
    assert movers[0].rate_if_digitised == Decimal("80.0")  # (20 + 60) / 100
    assert movers[1].rate_if_digitised == Decimal("40.0")


@pytest.mark.django_db
def test_departments_and_procedures_have_their_own_rates() -> None:
    first = DepartmentFactory()
    second = DepartmentFactory(municipality=first.municipality)
    volume(procedure(first, "C-001"), MONTH, VolumeChannel.ONLINE, 3)
    volume(procedure(first, "C-002"), MONTH, VolumeChannel.COUNTER_PAPER, 1)
    volume(procedure(second, "D-001"), MONTH, VolumeChannel.MAIL_PAPER, 5)

    departments = coverage.by_department(first.municipality, MONTH, MONTH)
    procedures = coverage.by_procedure(first.municipality, MONTH, MONTH, department=first)

    assert {d.pk: d.rate.percent for d in departments} == {
        first.pk: Decimal("75.0"),
        second.pk: Decimal("0.0"),
    }
    assert [(p.label, p.rate.percent) for p in procedures] == [
        ("C-001 手続C-001", Decimal("100.0")),
        ("C-002 手続C-002", Decimal("0.0")),
    ]


def test_the_chart_breaks_its_line_at_months_without_receipts_and_draws_the_target() -> None:
    from madoguchi.catalog.dashboard_chart import line_chart

    months = [
        coverage.MonthRate(date(2025, m, 1), coverage.Rate(s, t, coverage.percent_of(s, t)))
        for m, s, t in [(4, 1, 2), (5, 3, 4), (6, 0, 0), (7, 1, 1), (8, 1, 4)]
    ]

    chart = line_chart(months, target=Decimal("70"), target_label="目標 70.0%")

    assert [p.value for p in chart.points] == ["50.0%", "75.0%", "100.0%", "25.0%"]
    assert len(chart.lines) == 2  # April–May, then July–August
    assert chart.target_y is not None and chart.bottom > chart.target_y > chart.top
    assert len(chart.months) == 5


def test_over_more_than_six_months_only_quarter_starts_are_labelled_and_values_keep_apart() -> None:
    from madoguchi.catalog.dashboard_chart import VALUE_GAP, line_chart

    months = [
        coverage.MonthRate(
            coverage.add_months(date(2025, 6, 1), i),
            coverage.Rate(20 + i, 100, coverage.percent_of(20 + i, 100)),
        )
        for i in range(18)
    ]

    with translation.override("ja"):
        chart = line_chart(months)

    assert [m.label for m in chart.months] == ["7月", "10月", "1月", "4月", "7月", "10月"]
    shown = [p for p in chart.points if p.show_value]
    assert [p.value for p in shown] == ["21.0%", "24.0%", "27.0%", "30.0%", "33.0%", "37.0%"]
    assert len(chart.points) == 18  # every month keeps its point, its title and its table row
    gaps = [b.x - a.x for a, b in itertools.pairwise(shown)]
    step = chart.points[1].x - chart.points[0].x
    assert min(gaps) >= VALUE_GAP * step - 0.2
