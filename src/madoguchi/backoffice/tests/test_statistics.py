"""A form's figures: counts, survey answers, time to completion and drop-off; CSV too."""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.spreadsheet import starts_formula
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import received, workflow
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Status
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import (
    SIMPLE_ANSWERS,
    SIMPLE_SCHEMA,
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)

pytestmark = pytest.mark.django_db


def test_the_statistics_page_counts_answers_and_drop_off(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    first = submit_application(form_version, method="visit")
    submit_application(form_version, method="online", online_tool="Zoom")
    submit_application(form_version, method="online", online_tool="Teams")
    workflow.change_status(submission=first, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=first, to_status=Status.APPROVED, staff=staff)
    workflow.change_status(submission=first, to_status=Status.COMPLETED, staff=staff)
    abandoned, _token = submission_services.start_draft(form_version=form_version, language="ja")
    abandoned.completed_steps = 1
    abandoned.save()
    browser = log_in(staff)

    page = browser.get(reverse("backoffice:form_statistics", args=[form_version.form_id]))
    csv = browser.get(reverse("backoffice:form_statistics_csv", args=[form_version.form_id]))

    text = page.text
    assert page.status_code == 200
    assert 'data-testid="total">3<' in text
    assert "<td>オンライン</td><td>2</td><td>66.7</td>" in text
    assert "<td>来所</td><td>1</td><td>33.3</td>" in text
    assert "Stopped at: Details" in text or "Stopped at: 内容" in text
    body = csv.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "方法,オンライン,2,66.7" in body
    assert "Status,Completed,1,33.3" in body


def test_another_departments_form_has_no_statistics_for_this_staff_member(
    form_version: FormVersion, log_in: Any
) -> None:
    outsider = StaffFactory(
        municipality=form_version.form.municipality,
        departments=[DepartmentFactory(municipality=form_version.form.municipality)],
    )

    page = log_in(outsider).get(reverse("backoffice:form_statistics", args=[form_version.form_id]))

    assert page.status_code == 404


def test_the_statistics_csv_defuses_labels_a_spreadsheet_would_run(
    department: Any, staff: StaffMember, log_in: Any
) -> None:
    schema = copy.deepcopy(SIMPLE_SCHEMA)
    details = schema["steps"][1]
    details["title"] = {"ja": "=1+1", "en": "=1+1"}
    details["fields"][0]["label"] = '=HYPERLINK("http://evil","x")'
    details["fields"][0]["options"][0]["label"] = "@SUM(A1)"
    details["fields"][0]["options"][1]["label"] = "\u22121+1"
    version = publish_form(department=department, slug="formula", schema=schema)
    submit_application(version, method="visit")

    response = log_in(staff).get(reverse("backoffice:form_statistics_csv", args=[version.form_id]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert ['\'=HYPERLINK("http://evil","x")', "'@SUM(A1)", "1", "100.0"] in rows
    assert ['\'=HYPERLINK("http://evil","x")', "'\u22121+1", "0", "0.0"] in rows
    assert not any(starts_formula(cell) for cell in cells)


def test_the_figures_count_applications_by_channel_paper_ones_too(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    submit_application(form_version)
    received.submit_received(
        form_version=form_version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=timezone.localdate(),
        staff=staff,
    )
    browser = log_in(staff)

    page = browser.get(reverse("backoffice:form_statistics", args=[form_version.form_id]))
    csv = browser.get(reverse("backoffice:form_statistics_csv", args=[form_version.form_id]))

    assert "<td>Mail-in form</td><td>1</td><td>50.0</td>" in page.text
    assert "<td>Online application</td><td>1</td><td>50.0</td>" in page.text
    body = csv.content.decode("utf-8")
    assert "Channel,Mail-in form,1,50.0" in body
    assert "Channel,At the counter,0,0.0" in body


def test_the_inbox_and_the_submission_page_tag_a_paper_by_post_with_its_date_of_arrival(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    online = submit_application(form_version)
    paper = received.submit_received(
        form_version=form_version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=timezone.localdate(),
        staff=staff,
        enclosures=["返信用封筒"],
    )
    browser = log_in(staff)

    inbox = browser.get(reverse("backoffice:inbox")).text
    detail = browser.get(reverse("backoffice:detail", args=[paper.receipt_number])).text
    online_page = browser.get(reverse("backoffice:detail", args=[online.receipt_number])).text

    assert inbox.count('data-testid="channel-mail"') == 1
    assert 'data-testid="channel-mail"' in detail
    assert timezone.localdate().isoformat() in detail
    assert "返信用封筒" in detail
    assert 'data-testid="channel-mail"' not in online_page
