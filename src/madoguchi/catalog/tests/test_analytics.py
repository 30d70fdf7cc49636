"""Improvement analytics (issue 19, item 5): anonymous validation counters, the form's page
with its department scoping, and the suggestions' thresholds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.catalog import analytics
from madoguchi.catalog.analytics import QuestionRow, StepRow, suggestions_for
from madoguchi.catalog.models import ValidationFailure
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import validation_hooks
from madoguchi.submissions.models import Draft, Status, StatusChange
from madoguchi.submissions.services import submit_answers
from madoguchi.submissions.tests.test_views import start, step_url
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.staff import log_in_staff

from .helpers import procedure

pytestmark = pytest.mark.django_db

SECRET_NAME = "山田秘密太郎"
SECRET_AGE = "987秘"

SCHEMA: dict[str, Any] = {
    "title": {"ja": "改善テスト", "en": "Improvement test"},
    "steps": [
        {
            "key": "about",
            "title": {"ja": "あなたについて", "en": "About you"},
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": {"ja": "氏名", "en": "Name"},
                    "required": True,
                    "max_length": 3,
                },
                {
                    "key": "age",
                    "type": "number",
                    "label": {"ja": "年齢", "en": "Age"},
                    "required": True,
                    "min": 0,
                    "max": 150,
                },
            ],
        },
        {
            "key": "more",
            "title": {"ja": "その他", "en": "More"},
            "fields": [{"key": "note", "type": "text", "label": {"ja": "備考", "en": "Note"}}],
        },
    ],
}


@pytest.fixture
def form_version(department: object) -> FormVersion:
    return publish_form(department=department, slug="kaizen", schema=SCHEMA)


def url(form_version: FormVersion) -> str:
    return reverse("catalog:form_analytics", args=[form_version.form_id])


def test_an_invalid_step_counts_each_failing_question_and_never_keeps_what_was_typed(
    form_version: FormVersion,
) -> None:
    cache.clear()
    resident = Client(headers={"accept-language": "ja"})
    token = start(resident, form_version)

    for _ in range(2):
        response = resident.post(step_url(token, 1), {"name": SECRET_NAME, "age": SECRET_AGE})
        assert response.status_code == 422
    resident.post(step_url(token, 1), {"name": "", "age": "30"})

    rows = list(ValidationFailure.objects.values())
    counts = {(r["field_key"], r["code"]): r["count"] for r in rows}
    assert counts == {("name", "invalid"): 2, ("age", "invalid"): 2, ("name", "missing"): 1}
    stored = repr(rows)
    for piece in (SECRET_NAME, "山田", "秘密", "987", SECRET_AGE):
        assert piece not in stored
    assert all(r["form_version_id"] == form_version.pk for r in rows)
    assert all(r["day"] == timezone.localdate() for r in rows)


def test_a_valid_step_counts_nothing(form_version: FormVersion) -> None:
    cache.clear()
    resident = Client()
    token = start(resident, form_version)

    resident.post(step_url(token, 1), {"name": "山田", "age": "30"})

    assert not ValidationFailure.objects.exists()


def test_the_message_is_made_anonymous() -> None:
    assert validation_hooks.anonymous_message("The check digit of 282081 is wrong", "282081") == (
        "The check digit of … is wrong"
    )
    assert validation_hooks.anonymous_message("「𠮷」 (U+20BB7) cannot be used", "𠮷田") == (
        "「𠮷」 (#) cannot be used"
    )
    assert validation_hooks.anonymous_message("Enter at most 3 characters (now 6).", "xx") == (
        "Enter at most # characters (now #)."
    )


def test_the_recorder_adds_to_the_same_row_on_the_same_day(form_version: FormVersion) -> None:
    for _ in range(3):
        analytics.record_failure(form_version.pk, "age", "invalid", "Enter # or less.")

    assert ValidationFailure.objects.get().count == 3


def _page_for(staff: object, form_version: FormVersion) -> Any:
    return log_in_staff(staff, language="ja").get(url(form_version))  # type: ignore[arg-type]


def test_the_department_and_the_city_admins_see_the_page_others_do_not(
    form_version: FormVersion,
) -> None:
    own = form_version.form.department
    city = own.municipality
    other = DepartmentFactory(municipality=city)

    assert (
        _page_for(StaffFactory(municipality=city, departments=[own]), form_version).status_code
        == 200
    )
    assert (
        _page_for(
            StaffFactory(municipality=city, role=StaffRole.MUNICIPALITY_ADMIN), form_version
        ).status_code
        == 200
    )
    assert (
        _page_for(StaffFactory(municipality=city, departments=[other]), form_version).status_code
        == 404
    )
    elsewhere = DepartmentFactory()
    assert (
        _page_for(
            StaffFactory(municipality=elsewhere.municipality, role=StaffRole.MUNICIPALITY_ADMIN),
            form_version,
        ).status_code
        == 404
    )


def _draft(form_version: FormVersion, completed: int, n: int) -> None:
    for i in range(n):
        Draft.objects.create(
            token_hash=f"{completed}-{i}-{form_version.pk}",
            form_version=form_version,
            completed_steps=completed,
            expires_at=timezone.now() + timedelta(days=30),
        )


def test_the_page_shows_drop_off_errors_channels_decisions_and_suggestions(
    form_version: FormVersion,
) -> None:
    _draft(form_version, 0, 8)  # 8 stopped on the first page (of 20 who reached it)
    _draft(form_version, 1, 2)
    submission = None
    for _ in range(10):
        submission = submit_answers(
            form_version=form_version, raw={"name": "山田", "age": 30}, language="ja"
        )
    assert submission is not None
    StatusChange.objects.create(
        submission=submission,
        from_status=Status.RECEIVED,
        to_status=Status.APPROVED,
        at=submission.submitted_at + timedelta(days=4),
    )
    for _ in range(9):
        analytics.record_failure(form_version.pk, "age", "invalid", "150以下で入力してください。")
    analytics.record_failure(form_version.pk, "name", "missing", "「氏名」を入力してください。")

    staff = StaffFactory(
        municipality=form_version.form.municipality, departments=[form_version.form.department]
    )
    page = _page_for(staff, form_version).content.decode()

    figures = analytics.form_analytics(form_version.form, language="ja")
    assert figures.started == 20 and figures.submitted == 10
    assert [(s.reached, s.stopped) for s in figures.steps] == [(20, 8), (12, 2), (10, 0)]
    assert "この質問でエラーが多い" in page and "年齢" in page
    assert "このページで多くの方が中断しています" in page and "あなたについて" in page
    assert "150以下で入力してください。" in page
    assert 'data-testid="analytics-channels"' in page
    approved = next(r for r in figures.decisions if r.status == Status.APPROVED)
    assert approved.count == 1 and approved.median_days == 4.0


def _step(reached: int, stopped: int) -> StepRow:
    return StepRow("p", reached, stopped, None)


def _question(key: str, count: int, total: int) -> QuestionRow:
    return QuestionRow(key, key, count, 100 * count / total)


def test_a_question_with_more_than_a_fifth_of_the_errors_gets_a_suggestion() -> None:
    over = suggestions_for(questions=[_question("a", 21, 100)], error_total=100, steps=[])
    at = suggestions_for(questions=[_question("a", 20, 100)], error_total=100, steps=[])
    few = suggestions_for(questions=[_question("a", 9, 9)], error_total=9, steps=[])

    assert len(over) == 1 and "(a)" in over[0]
    assert at == [] and few == []


def test_a_page_losing_more_than_thirty_percent_gets_a_suggestion() -> None:
    assert len(suggestions_for(questions=[], error_total=0, steps=[_step(100, 31)])) == 1
    assert suggestions_for(questions=[], error_total=0, steps=[_step(100, 30)]) == []
    assert suggestions_for(questions=[], error_total=0, steps=[_step(9, 9)]) == []


def test_the_procedure_page_links_to_its_forms_analytics(form_version: FormVersion) -> None:
    department = form_version.form.department
    proc = procedure(department, "A-900", form=form_version.form)
    staff = StaffFactory(municipality=department.municipality, departments=[department])

    page = log_in_staff(staff).get(reverse("catalog:dashboard_procedure", args=[proc.pk])).text

    assert url(form_version) in page
