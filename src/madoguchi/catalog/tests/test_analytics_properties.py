"""Improvement analytics, as properties: whatever the drafts, submissions and failures, every
figure is within its bounds and no typed value reaches the counters, the figures or the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.catalog import analytics
from madoguchi.catalog.models import ValidationFailure
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import validation_hooks
from madoguchi.submissions.models import Channel, Draft, Submission
from madoguchi.submissions.services import submit_answers
from madoguchi.testing.factories import StaffFactory, publish_form
from madoguchi.testing.staff import log_in_staff

from .test_analytics import SCHEMA

pytestmark = pytest.mark.django_db

# What a resident typed: marked with 秘 so no label or message of the form can contain it.
typed = st.text(alphabet="秘あいうアイウabcXYZ-@ ", min_size=2, max_size=12).map(lambda t: "秘" + t)

drafts = st.lists(
    st.fixed_dictionaries(
        {
            "completed": st.integers(0, 2),
            "idle_days": st.integers(0, 40),
            "expired": st.booleans(),
            "name": st.none() | typed,
            "typed_age": st.none() | typed,
        }
    ),
    max_size=12,
)
submissions = st.lists(
    st.tuples(
        st.sampled_from([Channel.ONLINE, Channel.ONLINE, Channel.MAIL, Channel.COUNTER]),
        st.none() | st.floats(0, 60 * 24 * 30, allow_nan=False),
        st.booleans(),
    ),
    max_size=8,
)
failures = st.lists(
    st.tuples(
        st.sampled_from(["name", "age", "note"]),
        typed,
        st.sampled_from(["step", "review", "api"]),
    ),
    max_size=10,
)


@pytest.fixture
def setup(department: object) -> tuple[FormVersion, Client]:
    version = publish_form(department=department, slug="kaizen-props", schema=SCHEMA)
    staff = StaffFactory(
        municipality=version.form.municipality, departments=[version.form.department]
    )
    return version, log_in_staff(staff, language="ja")


def _fill(
    version: FormVersion,
    draft_rows: list[dict[str, Any]],
    submission_rows: list[tuple[str, float | None, bool]],
    failure_rows: list[tuple[str, str, str]],
) -> list[str]:
    now = timezone.now()
    secrets = []
    for i, row in enumerate(draft_rows):
        answers = {"name": row["name"]} if row["name"] else {}
        typed_values = {"age": row["typed_age"]} if row["typed_age"] else {}
        secrets += [v for v in (row["name"], row["typed_age"]) if v]
        draft = Draft.objects.create(
            token_hash=f"p{i}",
            form_version=version,
            completed_steps=row["completed"],
            answers=answers,
            typed=typed_values,
            from_guide=bool(i % 2),
            expires_at=now - timedelta(days=1) if row["expired"] else now + timedelta(days=30),
        )
        Draft.objects.filter(pk=draft.pk).update(updated_at=now - timedelta(days=row["idle_days"]))
    for channel, minutes, guided in submission_rows:
        submission = submit_answers(
            form_version=version, raw={"name": "山田", "age": 30}, language="ja"
        )
        started = None if minutes is None else submission.submitted_at - timedelta(minutes=minutes)
        Submission.objects.filter(pk=submission.pk).update(
            channel=channel, started_at=started, from_guide=guided
        )
    for key, value, where in failure_rows:
        secrets.append(value)
        # A message that repeats the value, as a check-digit message does.
        message = f"「{value}」は使えません。{value}を直してください。"
        validation_hooks.report(version.pk, {key: [message]}, {key: value}, where=where)
    return secrets


def _within(percent: float | None) -> bool:
    return percent is None or 0 <= percent <= 100


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drafts, submissions, failures)
def test_figures_are_within_bounds_and_never_show_what_was_typed(
    setup: tuple[FormVersion, Client],
    draft_rows: list[dict[str, Any]],
    submission_rows: list[tuple[str, float | None, bool]],
    failure_rows: list[tuple[str, str, str]],
) -> None:
    version, staff = setup
    with transaction.atomic():
        secrets = _fill(version, draft_rows, submission_rows, failure_rows)
        figures = analytics.form_analytics(version.form, language="ja")
        page = staff.get(reverse("catalog:form_analytics", args=[version.form_id])).text
        stored = repr(list(ValidationFailure.objects.values()))
        transaction.set_rollback(True)

    assert figures.started == len(draft_rows) + len(submission_rows)
    assert figures.submitted == len(submission_rows)
    previous = figures.started
    for step in figures.steps:
        assert 0 <= step.stopped <= step.reached <= previous and _within(step.percent)
        previous = step.reached
    assert 0 <= figures.abandoned <= len(draft_rows)
    assert sum(stop.count for stop in figures.stops) == figures.abandoned
    assert all(_within(stop.percent) for stop in figures.stops)
    assert figures.error_total == len(failure_rows) == sum(n for _l, n in figures.errors_where)
    assert all(_within(q.percent) for q in figures.questions)
    every = figures.completion.rows[0]
    assert every.count + figures.completion.excluded == figures.submitted
    assert every.count == sum(r.count for r in figures.completion.rows[1:])
    for row in figures.completion.rows:
        if row.count:
            assert row.median_minutes is not None and row.p90_minutes is not None
            assert 0 <= row.median_minutes <= row.p90_minutes <= 60 * 24 * 30 + 0.1
    guide = figures.guide
    assert 0 <= guide.drafts <= len(draft_rows) and 0 <= guide.submitted <= figures.submitted
    assert _within(guide.percent)
    for secret in secrets:
        assert secret not in stored
        assert secret not in repr(figures)
        assert secret not in page
