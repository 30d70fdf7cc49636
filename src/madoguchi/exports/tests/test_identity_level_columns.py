"""The export's identity columns: the level's label in the export's language, and its code."""

from __future__ import annotations

import json

import pytest

from madoguchi.counter import services as counter_services
from madoguchi.exports import services as export_services
from madoguchi.exports.columns import FIXED_SOURCES, Column, RowBuilder
from madoguchi.exports.services import ExportRequest
from madoguchi.exports.writers import CellValue
from madoguchi.submissions.models import Submission
from madoguchi.testing import counter as counter_data

pytestmark = pytest.mark.django_db

COLUMNS = [
    Column("receipt_number", "受付番号"),
    Column("identity_level", "本人確認"),
    Column("identity_level_code", "本人確認コード"),
]


def _cells(submission: Submission, *, language: str) -> list[CellValue]:
    builder = RowBuilder(
        COLUMNS, schema_for=lambda _pk: submission.form_version.schema, language=language
    )
    return builder.cells(
        (
            submission.pk,
            submission.receipt_number,
            submission.submitted_at,
            submission.status,
            submission.channel,
            submission.identity_level,
            submission.form_version_id,
            submission.received_on,
        )
    )


def _at_the_counter(level: str) -> Submission:
    application, clerk = counter_data.ready_to_accept()
    submission = counter_services.submit_application(application=application, clerk=clerk)
    Submission.objects.filter(pk=submission.pk).update(identity_level=level)
    submission.refresh_from_db()
    return submission


@pytest.mark.parametrize(
    ("level", "japanese", "english"),
    [
        (
            "counter_visual",
            "窓口・目視確認（本人確認書類）",
            "At the counter: identity documents checked by eye",
        ),
        (
            "counter_card",
            "窓口・カード読取（券面事項入力補助AP＋利用者証明）",
            "At the counter: My Number Card read (card info AP + JPKI authentication)",
        ),
    ],
)
def test_a_counter_level_exports_its_label_and_its_code(
    level: str, japanese: str, english: str
) -> None:
    submission = _at_the_counter(level)

    in_japanese = _cells(submission, language="ja")
    in_english = _cells(submission, language="en")

    assert in_japanese == [submission.receipt_number, japanese, level]
    assert in_english == [submission.receipt_number, english, level]


def test_a_json_lines_export_carries_the_label_and_the_code() -> None:
    submission = _at_the_counter("counter_visual")
    staff = counter_data.clerk(submission.department)

    job = export_services.start_export(
        staff=staff,
        request=ExportRequest(form=submission.form_version.form, columns=COLUMNS, format="jsonl"),
    )

    with job.file.open("rb") as handle:
        [line] = handle.read().decode("utf-8").splitlines()
    assert json.loads(line) == {
        "receipt_number": submission.receipt_number,
        "identity_level": "窓口・目視確認（本人確認書類）",
        "identity_level_code": "counter_visual",
    }


def test_a_profile_can_choose_the_code_column() -> None:
    assert "identity_level_code" in FIXED_SOURCES
