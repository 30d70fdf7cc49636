"""Access-history sources: apps above submissions add lines without submissions importing them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import access_history
from madoguchi.submissions.access_history import SourcedEvent
from madoguchi.submissions.models import Submission
from madoguchi.submissions.resident_views import EVENT_LABELS, history_rows
from madoguchi.testing.factories import submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered() -> Iterator[None]:
    before = dict(access_history._sources)
    yield
    access_history._sources.clear()
    access_history._sources.update(before)


def test_the_exports_app_registers_its_source_when_django_starts() -> None:
    assert "exports" in access_history._sources


def test_a_registered_sources_lines_join_the_residents_history_under_their_receipt_number(
    registered: None, form_version: FormVersion
) -> None:
    submission = submit_application(form_version)
    at = timezone.now() + timedelta(days=1)

    def source(
        submissions: Sequence[Submission], language: str
    ) -> list[access_history.SourcedEvent]:
        return [
            SourcedEvent(s.pk, at, events.Event.EXPORTED, f"税務課 ({language})")
            for s in submissions
        ]

    access_history.register_source("example", source)

    [newest, *_] = history_rows([submission], language="ja")
    assert newest["at"] == at
    assert newest["receipt_number"] == submission.receipt_number
    assert newest["actor"] == "税務課 (ja)"
    assert newest["action"] == EVENT_LABELS[events.Event.EXPORTED]


def test_no_source_is_asked_about_no_submissions(registered: None) -> None:
    def source(
        submissions: Sequence[Submission], language: str
    ) -> list[access_history.SourcedEvent]:
        raise AssertionError("asked about nothing")

    access_history.register_source("example", source)

    assert access_history.sourced_events([], language="ja") == []
