"""A posted application's steps in the resident's access history (やりとり履歴)."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from madoguchi.mailin import services
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel
from madoguchi.submissions.resident_views import history_rows
from madoguchi.testing.factories import publish_form, submit_application

pytestmark = pytest.mark.django_db


def test_a_posted_application_shows_when_it_was_made_and_when_it_arrived() -> None:
    version = publish_form()
    draft, _token = submission_services.start_draft(
        form_version=version, language="en", channel=Channel.MAIL
    )
    pages = [{"name": "加賀 太郎", "name_kana": "カガ タロウ"}, {"method": "visit"}]
    for index, page in enumerate(pages):
        assert submission_services.save_step(draft=draft, step_index=index, data=page, files={}).ok
    application = services.prepare(draft=draft)
    submission = submit_application(version)
    MailApplication.objects.filter(pk=application.pk).update(
        status=MailStatus.ARRIVED, submission=submission, arrived_at=timezone.now()
    )

    with translation.override("en"):
        rows = history_rows([submission], language="en")
        actions = {str(row["action"]): row["actor"] for row in rows}

    assert actions["You made the application form for posting"] == "You"
    assert actions["Your posted application arrived"] == version.form.department.localized_name(
        "en"
    )


def test_an_online_application_has_no_mail_lines() -> None:
    submission = submit_application(publish_form())

    with translation.override("en"):
        rows = history_rows([submission], language="en")
        actions = {str(row["action"]) for row in rows}

    assert "Your posted application arrived" not in actions
