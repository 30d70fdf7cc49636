"""Improvement analytics, the measures added for issue 19 item 5: time to complete, drop-off
by question, validation failures from the review page and the API, guide results
followed, and their suggestions. Counts and durations only: never a typed value."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from madoguchi.catalog import analytics
from madoguchi.catalog.analytics import Completion, DurationRow, GuideFollowed, StopRow
from madoguchi.catalog.models import ValidationFailure
from madoguchi.forms import services as form_services
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.guide import services as guide_services
from madoguchi.guide.tests.test_rules import DEFINITION
from madoguchi.submissions.models import Channel, Draft, Submission
from madoguchi.submissions.services import submit_answers
from madoguchi.submissions.tests.test_views import review_url, start_url, step_url
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.staff import log_in_staff

from .test_analytics import SCHEMA

pytestmark = pytest.mark.django_db

SECRET = "秘密の値4321"


@pytest.fixture
def form_version(department: object) -> FormVersion:
    return publish_form(department=department, slug="kaizen", schema=SCHEMA)


@pytest.fixture
def staff_page() -> Any:
    def page(form_version: FormVersion) -> str:
        staff = StaffFactory(
            municipality=form_version.form.municipality, departments=[form_version.form.department]
        )
        response = log_in_staff(staff, language="ja").get(
            reverse("catalog:form_analytics", args=[form_version.form_id])
        )
        assert response.status_code == 200
        return str(response.content.decode())

    return page


def _start(client: Client, form_version: FormVersion, **data: str) -> Draft:
    response = client.post(start_url(form_version), data)
    assert response.status_code == 302
    return Draft.objects.latest("pk")


def _token(response: Any) -> str:
    token: str = resolve(response.url).kwargs["token"]
    return token


def _answer_everything(client: Client, form_version: FormVersion, **start: str) -> str:
    response = client.post(start_url(form_version), start)
    token = _token(response)
    assert client.post(step_url(token, 1), {"name": "山田", "age": "30"}).status_code == 302
    assert client.post(step_url(token, 2), {"note": ""}).status_code == 302
    return token


# 1. Time to complete ------------------------------------------------------------------


def test_a_submission_from_the_web_form_keeps_when_its_draft_was_started(
    form_version: FormVersion,
) -> None:
    cache.clear()
    resident = Client()
    token = _answer_everything(resident, form_version)
    started = timezone.now() - timedelta(minutes=12)
    Draft.objects.update(created_at=started)

    assert resident.post(review_url(token)).status_code == 302

    submission = Submission.objects.get()
    assert submission.started_at == started
    assert not submission.from_guide
    row = analytics.form_analytics(form_version.form, language="ja").completion.rows[0]
    assert row.count == 1 and row.median_minutes is not None
    assert 12 <= row.median_minutes < 13


def _timed(form_version: FormVersion, minutes: float, channel: str = Channel.ONLINE) -> None:
    submission = submit_answers(
        form_version=form_version, raw={"name": "山田", "age": 30}, language="ja"
    )
    Submission.objects.filter(pk=submission.pk).update(
        started_at=submission.submitted_at - timedelta(minutes=minutes), channel=channel
    )


def test_time_to_complete_is_the_median_and_p90_per_version_online_only(
    form_version: FormVersion,
) -> None:
    for minutes in (1, 2, 3, 4, 100):
        _timed(form_version, minutes)
    _timed(form_version, 500, Channel.MAIL)  # paper: not timed
    _timed(form_version, 500, Channel.COUNTER)
    submit_answers(form_version=form_version, raw={"name": "山", "age": 1}, language="ja")  # API
    second = form_services.publish(form=form_version.form, schema=FormSchema.model_validate(SCHEMA))
    _timed(second, 10)

    completion = analytics.completion_of(Submission.objects.all())

    every, newest, first = completion.rows
    assert (every.version, every.count, every.median_minutes) == (None, 6, 3.5)
    assert (newest.version, newest.count, newest.median_minutes) == (second.number, 1, 10.0)
    assert (first.version, first.count, first.median_minutes, first.p90_minutes) == (
        form_version.number,
        5,
        3.0,
        61.6,
    )
    assert completion.excluded == 3


# 2. Drop-off by question --------------------------------------------------------------


def _abandoned(
    form_version: FormVersion,
    completed: int,
    *,
    answers: dict[str, Any] | None = None,
    typed: dict[str, Any] | None = None,
    days_idle: int = 8,
    expired: bool = False,
) -> Draft:
    now = timezone.now()
    draft = Draft.objects.create(
        token_hash=f"{Draft.objects.count()}-{completed}-{days_idle}",
        form_version=form_version,
        completed_steps=completed,
        answers=answers or {},
        typed=typed or {},
        expires_at=now - timedelta(days=1) if expired else now + timedelta(days=20),
    )
    Draft.objects.filter(pk=draft.pk).update(updated_at=now - timedelta(days=days_idle))
    return draft


def test_an_abandoned_draft_counts_at_the_first_required_question_left_empty(
    form_version: FormVersion,
) -> None:
    for _ in range(3):
        _abandoned(form_version, 0)  # nothing kept on page 1: stops at 氏名
    _abandoned(form_version, 0, typed={"name": SECRET})  # saved for later: stops at 年齢
    _abandoned(form_version, 0, days_idle=0, expired=True)  # expired: abandoned too
    _abandoned(form_version, 1, answers={"name": SECRET, "age": 30})  # page 2: nothing required
    _abandoned(form_version, 2, answers={"name": SECRET, "age": 30})  # on the review page
    _abandoned(form_version, 0, days_idle=2)  # still being filled in: not abandoned

    abandoned, stops = analytics.stops_of(form_version.form, language="ja", now=timezone.now())

    assert abandoned == 7
    assert [(s.page, s.question, s.count) for s in stops] == [
        ("あなたについて", "氏名", 4),
        ("あなたについて", "年齢", 1),
        ("その他", "", 1),
        ("確認して送信", "", 1),
    ]
    assert sum(s.percent for s in stops) == pytest.approx(100, abs=0.5)
    assert SECRET not in repr(stops)


def test_the_page_shows_drop_off_by_question_beside_drop_off_by_page(
    form_version: FormVersion, staff_page: Any
) -> None:
    for _ in range(10):
        _abandoned(form_version, 0, typed={"name": SECRET})

    page = staff_page(form_version)

    assert 'data-testid="analytics-stops"' in page and 'data-testid="analytics-steps"' in page
    assert "この質問で多くの方が止まっています: 年齢（あなたについて）" in page
    assert SECRET not in page


# 3. Validation failures from the review page and the API ------------------------------


def test_a_review_page_refusal_counts_with_where_review(form_version: FormVersion) -> None:
    cache.clear()
    resident = Client()
    token = _answer_everything(resident, form_version)
    draft = Draft.objects.get()
    # "age" gone and "name" too long, as if the form's rules changed meanwhile
    draft.answers = {"name": SECRET}
    draft.save()

    assert resident.post(review_url(token)).status_code == 422

    rows = {(r.field_key, r.code, r.where, r.count) for r in ValidationFailure.objects.all()}
    assert rows == {("age", "missing", "review", 1), ("name", "invalid", "review", 1)}
    assert SECRET not in repr(list(ValidationFailure.objects.values()))


def test_an_api_refusal_counts_with_where_api_and_only_the_forms_questions(
    form_version: FormVersion,
) -> None:
    cache.clear()
    form = form_version.form
    body = {
        "municipality": form.municipality.lg_code,
        "form": form.slug,
        "answers": {"name": SECRET, "age": "4321", "山田花子": "x"},
    }

    response = Client(headers={"accept-language": "en"}).post(
        "/api/v1/submissions/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 422
    rows = list(ValidationFailure.objects.values("field_key", "code", "where", "message"))
    assert {(r["field_key"], r["code"], r["where"]) for r in rows} == {
        ("name", "invalid", "api"),
        ("age", "invalid", "api"),
    }
    stored = repr(rows)
    for piece in (SECRET, "4321", "山田花子"):
        assert piece not in stored
    where = dict(analytics.failures_by_where(form))
    assert list(where.values()) == [0, 0, 2]


def test_a_step_page_failure_still_counts_as_step(form_version: FormVersion) -> None:
    analytics.record_failure(form_version.pk, "age", "invalid", "x")
    analytics.record_failure(form_version.pk, "age", "invalid", "x", "review")
    analytics.record_failure(form_version.pk, "age", "invalid", "x", "elsewhere")

    counts = {r.where: r.count for r in ValidationFailure.objects.all()}
    assert counts == {"step": 2, "review": 1}


# 4. Guide results followed ------------------------------------------------------------


def test_a_guide_link_marks_the_draft_and_the_submission(form_version: FormVersion) -> None:
    cache.clear()
    resident = Client()
    page = resident.get(start_url(form_version), {"channel": "online", "from": "guide"}).text
    assert 'name="from" value="guide"' in page

    token = _answer_everything(resident, form_version, **{"from": "guide"})
    assert Draft.objects.get().from_guide
    resident.post(review_url(token))

    assert Submission.objects.get().from_guide
    _start(resident, form_version)  # not from the guide
    assert not Draft.objects.get().from_guide


def test_guide_results_listing_the_form_and_those_followed() -> None:
    department = DepartmentFactory()
    version = publish_form(
        department=department,
        slug="kokuho-kanyu",
        schema={**SIMPLE_SCHEMA, "channels": ["online", "mail", "counter"]},
    )
    guide = guide_services.save_guide(
        municipality=department.municipality,
        slug="hikkoshi",
        definition=guide_services.parse_definition(DEFINITION),
        publish=True,
    )
    for _ in range(4):
        guide_services.count(guide=guide, procedure="kokuho", event="shown")
    guide_services.count(guide=guide, procedure="tennyu", event="shown")  # another procedure
    Draft.objects.create(
        token_hash="g1", form_version=version, from_guide=True, expires_at=timezone.now()
    )
    Draft.objects.create(token_hash="g2", form_version=version, expires_at=timezone.now())
    submission = submit_answers(
        form_version=version,
        raw={"name": "加賀 太郎", "name_kana": "カガ タロウ", "method": "visit"},
        language="ja",
    )
    Submission.objects.filter(pk=submission.pk).update(from_guide=True)

    followed = analytics.guide_followed(version.form, Submission.objects.all())

    assert (followed.listed, followed.drafts, followed.submitted, followed.percent) == (
        4,
        1,
        1,
        50.0,
    )


# 6. Suggestions -----------------------------------------------------------------------


def _completion(count: int, median: float) -> Completion:
    return Completion([DurationRow(None, count, median, median)], 0)


def _say(**kwargs: Any) -> list[str]:
    return analytics.suggestions_for(questions=[], error_total=0, steps=[], **kwargs)


def test_a_median_over_fifteen_minutes_gets_a_suggestion_from_ten_timed_on() -> None:
    assert len(_say(completion=_completion(10, 15.1))) == 1
    assert "15.1" in _say(completion=_completion(10, 15.1))[0]
    assert _say(completion=_completion(10, 15.0)) == []
    assert _say(completion=_completion(9, 60.0)) == []


def test_a_question_where_over_a_fifth_of_abandoned_drafts_stop_gets_a_suggestion() -> None:
    over = _say(abandoned=100, stops=[StopRow("p", "q", 21, 21.0)])
    assert len(over) == 1 and "q" in over[0]
    assert _say(abandoned=100, stops=[StopRow("p", "q", 20, 20.0)]) == []
    assert _say(abandoned=9, stops=[StopRow("p", "q", 9, 100.0)]) == []
    assert _say(abandoned=100, stops=[StopRow("p", "", 90, 90.0)]) == []  # no question


def test_guide_results_rarely_followed_get_a_suggestion_from_twenty_on() -> None:
    assert len(_say(guide=GuideFollowed(100, 5, 4, 9.0))) == 1
    assert _say(guide=GuideFollowed(100, 5, 5, 10.0)) == []
    assert _say(guide=GuideFollowed(19, 0, 0, 0.0)) == []
    assert _say(guide=GuideFollowed(None, 0, 0, None)) == []


def test_the_page_answers_in_english_too(form_version: FormVersion) -> None:
    _timed(form_version, 20)
    _timed(form_version, 5, Channel.COUNTER)
    analytics.record_failure(form_version.pk, "age", "invalid", "Enter # or less.", "api")
    staff = StaffFactory(
        municipality=form_version.form.municipality, departments=[form_version.form.department]
    )

    page = log_in_staff(staff, language="en").get(
        reverse("catalog:form_analytics", args=[form_version.form_id])
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "Time to complete" in text and "Drop-off by question" in text
    assert "Not timed: 1 application by post" in text
    assert "Guide results followed" in text
    assert "<td>API</td>" in text
