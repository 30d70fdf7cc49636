"""The counter channel counted where applications are counted: the form's statistics by
channel, the export's channel, 到達日 and identity columns; and the expiry command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from madoguchi.backoffice.aggregation import form_figures
from madoguchi.counter import services
from madoguchi.counter.models import Preregistration, PreregistrationStatus
from madoguchi.exports.columns import Column, RowBuilder
from madoguchi.submissions.models import Submission
from madoguchi.testing import counter as counter_data

pytestmark = pytest.mark.django_db


def accepted() -> Submission:
    application, clerk = counter_data.ready_to_accept()
    return services.submit_application(application=application, clerk=clerk)


def test_the_forms_statistics_count_the_counter_channel() -> None:
    submission = accepted()
    form = submission.form_version.form

    with translation.override("en"):
        figures = form_figures(form, Submission.objects.all(), language="en")
        counts = {bar.label: bar.count for bar in figures.by_channel}

    assert counts == {"Online application": 0, "Mail-in form": 0, "At the counter": 1}


def test_the_export_names_the_channel_the_day_of_the_visit_and_the_identity_check() -> None:
    submission = accepted()
    columns = [
        Column("channel", "受付方法"),
        Column("received_on", "到達日"),
        Column("identity_level", "本人確認"),
    ]
    builder = RowBuilder(
        columns, schema_for=lambda _pk: submission.form_version.schema, language="ja"
    )
    row = (
        submission.pk,
        submission.receipt_number,
        submission.submitted_at,
        submission.status,
        submission.channel,
        submission.identity_level,
        submission.form_version_id,
        submission.received_on,
    )

    channel, received_on, identity = builder.cells(row)

    assert channel == "窓口"
    assert received_on == timezone.localdate().isoformat()
    assert identity == "窓口・目視確認（本人確認書類）"


def test_the_expiry_command_expires_overdue_pre_registrations() -> None:
    prereg, _token = counter_data.preregistration()
    Preregistration.objects.filter(pk=prereg.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    out = StringIO()

    call_command("expire_counter", stdout=out)

    prereg.refresh_from_db()
    assert "expired counter pre-registrations: 1" in out.getvalue()
    assert prereg.status == PreregistrationStatus.EXPIRED
