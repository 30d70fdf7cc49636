"""The demo's standard processing periods (標準処理期間): every demo form's procedure has one
(but the survey), so the sample applications of `madoguchi demo --payments` get due dates,
and two of them are past theirs, for the inbox's 期限超過 filter on first run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.catalog import deadlines
from madoguchi.catalog.models import Procedure
from madoguchi.jp.business_days import add_business_days
from madoguchi.submissions import due_dates
from madoguchi.submissions.models import Submission

pytestmark = pytest.mark.django_db


def test_every_demo_form_but_the_survey_has_a_processing_period(demo_data: None) -> None:
    days = dict(
        Procedure.objects.filter(form__isnull=False).values_list("form__slug", "processing_days")
    )

    assert days == {
        "nouzei-shomei": 3,
        "sodaigomi": 5,
        "jidou-teate": 14,
        "kokuho-kanyu": 7,
        "tennyu-todoke": 1,
        "ningen-dock-josei": 20,
        "kosodate-soudan": 5,
        "inu-shibo-todoke": 5,
        "gentsuki-haisha": 1,
        "mynumber-card-shinsei": 30,
        "shimin-anketo": None,
    }


def test_kobe_sample_applications_get_due_dates_and_two_are_overdue() -> None:
    call_command("demo", "--reset", "--payments", stdout=StringIO())
    kobe = Submission.objects.filter(municipality__lg_code="281000")
    today = due_dates.today()

    assert kobe.count() == 6
    assert not kobe.filter(due_date__isnull=True).exists()
    for submission in kobe:
        expected = add_business_days(
            deadlines.received_day(submission),
            3 if submission.form_version.form.slug == "nouzei-shomei" else 5,
        )
        assert submission.due_date == expected
    overdue = due_dates.overdue(kobe, today)
    assert overdue.count() == 2
    assert {s.form_version.form.slug for s in overdue} == {"nouzei-shomei"}
    assert all(s.submitted_at.date() < today for s in overdue)
    # The others were submitted now: due in the future.
    assert all(s.due_date >= today for s in kobe.exclude(pk__in=overdue))


def test_running_the_demo_again_changes_nothing_and_reset_reloads_the_same() -> None:
    call_command("demo", "--reset", "--payments", stdout=StringIO())
    before = sorted(Submission.objects.values_list("receipt_number", "due_date"))

    call_command("demo", "--payments", stdout=StringIO())
    assert sorted(Submission.objects.values_list("receipt_number", "due_date")) == before

    call_command("demo", "--reset", "--payments", stdout=StringIO())
    assert Submission.objects.count() == len(before)
    assert due_dates.overdue(Submission.objects.all(), due_dates.today()).count() == 2


def test_an_inventory_loaded_without_periods_gets_them_when_the_demo_runs_again(
    demo_data: None,
) -> None:
    Procedure.objects.filter(procedure_id="ZEI-0001").update(processing_days=None)
    Procedure.objects.filter(procedure_id="ZEI-0005").update(processing_days=9)

    call_command("demo", stdout=StringIO())

    assert Procedure.objects.get(procedure_id="ZEI-0001").processing_days == 3
    assert Procedure.objects.get(procedure_id="ZEI-0005").processing_days == 9  # kept
    assert Procedure.objects.filter(form__slug="shimin-anketo", processing_days=None).exists()
