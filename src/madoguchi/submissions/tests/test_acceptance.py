"""Opening and closing dates and the submission limit set in the builder hold everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.forms.models import Form, FormVersion
from madoguchi.submissions import services
from madoguchi.submissions.models import Submission
from madoguchi.testing.factories import SIMPLE_ANSWERS, submit_application

pytestmark = pytest.mark.django_db


def _set(version: FormVersion, **values: object) -> None:
    Form.objects.filter(pk=version.form_id).update(**values)
    version.form.refresh_from_db()


def test_a_form_not_yet_open_shows_when_it_opens_and_refuses_a_start(
    form_version: FormVersion,
) -> None:
    _set(form_version, opens_at=timezone.now() + timedelta(days=3))
    url = reverse(
        "submissions:form_start",
        args=[form_version.form.municipality.lg_code, form_version.form.slug],
    )
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")

    page = browser.get(url)
    started = browser.post(url)

    assert "accepts applications from" in page.text
    assert "Start the application" not in page.text
    assert started.status_code == 200 and "accepts applications from" in started.text


def test_a_closed_form_refuses_the_api_with_409(form_version: FormVersion) -> None:
    _set(form_version, closes_at=timezone.now() - timedelta(minutes=1))

    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/submissions/",
        {
            "municipality": form_version.form.municipality.lg_code,
            "form": form_version.form.slug,
            "answers": SIMPLE_ANSWERS,
        },
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "form_closed",
        "message": "The application period for this procedure has ended.",
    }
    assert not Submission.objects.exists()


def test_the_limit_counts_submissions_and_then_refuses(form_version: FormVersion) -> None:
    _set(form_version, max_submissions=2)
    submit_application(form_version)
    submit_application(form_version)

    with pytest.raises(services.FormClosed):
        submit_application(form_version)

    assert Submission.objects.count() == 2


def test_a_draft_sent_after_closing_is_refused_on_the_review_page_with_answers_kept(
    form_version: FormVersion,
) -> None:
    draft, token = services.start_draft(form_version=form_version, language="en")
    draft.answers = dict(SIMPLE_ANSWERS)
    draft.completed_steps = len(form_version.schema.steps)
    draft.save()
    _set(form_version, closes_at=timezone.now() - timedelta(minutes=1))

    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("submissions:review", kwargs={"token": token})
    )

    assert page.status_code == 409
    assert "The application period for this procedure has ended." in page.text
    draft.refresh_from_db()
    assert draft.answers["name"] == SIMPLE_ANSWERS["name"]
