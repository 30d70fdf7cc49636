"""Export jobs: department scope, the file, the one ledger event, CP932 refusals, ZIP, expiry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from madoguchi.core import events
from madoguchi.exports import columns as export_columns
from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import services as export_services
from madoguchi.exports.columns import Column
from madoguchi.exports.models import ExportedSubmission, ExportJob, JobStatus
from madoguchi.exports.selectors import Filters
from madoguchi.exports.services import ExportRequest
from madoguchi.forms.models import FormVersion
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    attach_file,
    publish_form,
    submit_application,
)

pytestmark = pytest.mark.django_db


def export(staff: StaffMember, version: FormVersion, **options: Any) -> ExportJob:
    columns = options.pop("columns", None) or export_selectors.default_columns(version.form)
    return export_services.start_export(
        staff=staff, request=ExportRequest(form=version.form, columns=columns, **options)
    )


def csv_rows(job: ExportJob, encoding: str = "utf-8-sig") -> list[list[str]]:
    with job.file.open("rb") as handle:
        text = handle.read().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def exported_events(job: ExportJob) -> list[Any]:
    return list(ledger_selectors.entries_about([f"export:{job.public_id}"]))


@pytest.fixture
def other_department(department: Department) -> Department:
    return DepartmentFactory(municipality=department.municipality)  # type: ignore[no-any-return]


def test_a_csv_export_flattens_answers_with_japanese_labels(
    staff: StaffMember, form_version: FormVersion
) -> None:
    submission = submit_application(
        form_version, method="online", online_tool="Zoom", visit_date="2025-04-01", count="3"
    )

    job = export(staff, form_version)

    rows = csv_rows(job)
    assert job.status == JobStatus.DONE
    # The first four headers are translated msgids (受付番号 ... once the catalog has them).
    assert rows[0][4:] == [
        "氏名",
        "フリガナ",
        "メールアドレス",
        "方法",
        "利用するツール",
        "希望日",
        "人数",
    ]
    assert rows[1][0] == submission.receipt_number
    assert rows[1][4:] == [
        "加賀 太郎",
        "カガ\u3000タロウ",
        "taro@example.jp",
        "オンライン",
        "Zoom",
        "2025-04-01",
        "3",
    ]
    assert rows[1][1].endswith("+09:00")


def test_dates_can_be_written_in_the_japanese_era(
    staff: StaffMember, form_version: FormVersion
) -> None:
    submit_application(form_version, visit_date="2019-05-01")
    columns = [Column("answer:visit_date", "希望日")]

    job = export(staff, form_version, columns=columns, date_style="wareki")

    assert csv_rows(job)[1] == ["令和元年5月1日"]


def test_an_export_has_exactly_one_ledger_event_with_the_file_hash(
    staff: StaffMember, form_version: FormVersion
) -> None:
    for _ in range(3):
        submit_application(form_version)

    job = export(staff, form_version)

    with job.file.open("rb") as handle:
        sha256 = hashlib.sha256(handle.read()).hexdigest()
    [entry] = exported_events(job)
    assert entry.event == events.Event.EXPORTED
    assert entry.actor == events.pseudonym("staff", staff.pk)
    assert entry.detail == {
        "department": form_version.form.department.code,
        "form": str(form_version.form_id),
        "rows": "3",
        "format": "csv",
        "encoding": "utf-8-sig",
        "sha256": sha256,
    }
    assert job.sha256 == sha256


def test_staff_export_only_their_departments_submissions(
    staff: StaffMember, form_version: FormVersion, other_department: Department
) -> None:
    mine = submit_application(form_version)
    theirs_form = publish_form(department=other_department, slug="other")
    theirs = submit_application(theirs_form)

    with pytest.raises(export_services.ExportNotAllowed):
        export(staff, theirs_form)
    with pytest.raises(export_services.NothingToExport):
        export(staff, form_version, filters=Filters(receipt_numbers=(theirs.receipt_number,)))
    job = export(
        staff,
        form_version,
        filters=Filters(receipt_numbers=(mine.receipt_number, theirs.receipt_number)),
    )

    assert [row[0] for row in csv_rows(job)[1:]] == [mine.receipt_number]
    assert ExportJob.objects.count() == 1


def test_read_only_staff_cannot_export(department: Department, form_version: FormVersion) -> None:
    submit_application(form_version)
    viewer = StaffFactory(
        municipality=department.municipality, role=StaffRole.READ_ONLY, departments=[department]
    )

    with pytest.raises(export_services.ExportNotAllowed):
        export(viewer, form_version)


def test_filters_narrow_by_status_and_date(staff: StaffMember, form_version: FormVersion) -> None:
    old, approved, recent = (submit_application(form_version) for _ in range(3))
    Submission.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    Submission.objects.filter(pk=approved.pk).update(status=Status.APPROVED)
    today = timezone.localdate()

    by_status = export(staff, form_version, filters=Filters(statuses=(Status.APPROVED,)))
    by_date = export(staff, form_version, filters=Filters(submitted_from=today - timedelta(days=1)))

    assert [r[0] for r in csv_rows(by_status)[1:]] == [approved.receipt_number]
    assert {r[0] for r in csv_rows(by_date)[1:]} == {
        approved.receipt_number,
        recent.receipt_number,
    }


def test_the_resident_can_learn_which_exports_included_their_submission(
    staff: StaffMember, form_version: FormVersion
) -> None:
    included = submit_application(form_version)
    left_out = submit_application(form_version)

    job = export(staff, form_version, filters=Filters(receipt_numbers=(included.receipt_number,)))

    [record] = export_selectors.exports_including(included)
    at, department, file_format = record
    assert at == job.finished_at
    assert department == form_version.form.department.name
    assert file_format == "csv"
    assert export_selectors.exports_including(left_out) == []


def test_a_large_export_runs_as_a_background_task(
    staff: StaffMember, form_version: FormVersion, settings: Any
) -> None:
    settings.MADOGUCHI_EXPORT_DIRECT_MAX_ROWS = 2
    for _ in range(5):
        submit_application(form_version)

    job = export(staff, form_version, format="jsonl")

    assert job.status == JobStatus.DONE
    assert (job.rows_done, job.rows_total, job.percent) == (5, 5, 100)
    with job.file.open("rb") as handle:
        lines = [json.loads(line) for line in handle.read().decode().splitlines()]
    assert len(lines) == 5
    assert lines[0]["answer:name"] == "加賀 太郎"
    assert job.expires_at is not None and job.expires_at > timezone.now() + timedelta(days=6)


def test_a_background_export_whose_creator_lost_the_department_writes_no_file(
    staff: StaffMember, department: Department, form_version: FormVersion, settings: Any
) -> None:
    settings.MADOGUCHI_EXPORT_DIRECT_MAX_ROWS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    submit_application(form_version)
    job = export(staff, form_version)
    assert job.status == JobStatus.QUEUED
    staff.departments.remove(department)

    export_services.run_export(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "ExportNotAllowed"
    assert not job.file
    assert exported_events(job) == []
    assert not ExportedSubmission.objects.filter(job=job).exists()


def test_running_a_job_twice_writes_it_once(staff: StaffMember, form_version: FormVersion) -> None:
    submit_application(form_version)
    job = export(staff, form_version)

    export_services.run_export(job.pk)

    assert len(exported_events(job)) == 1


def test_cp932_export_refuses_emoji_and_names_them_without_exporting(
    staff: StaffMember, form_version: FormVersion
) -> None:
    fine = submit_application(form_version, name="髙橋 﨑子")
    emoji = submit_application(form_version, name="加賀 太郎😀")

    job = export(staff, form_version, encoding="cp932")

    assert job.status == JobStatus.REFUSED
    assert not job.file
    assert job.problem_count == 1
    assert job.problems == [
        {
            "receipt_number": emoji.receipt_number,
            "column": "氏名",
            "codepoint": "U+1F600",
            "character": "😀",
        }
    ]
    assert exported_events(job) == []
    assert not ExportedSubmission.objects.filter(job=job).exists()
    assert export_selectors.exports_including(fine) == []


def test_cp932_export_can_write_geta_with_a_report_next_to_it(
    staff: StaffMember, form_version: FormVersion
) -> None:
    submit_application(form_version, name="髙橋 﨑子①")
    emoji = submit_application(form_version, name="加賀〜太郎😀")

    job = export(staff, form_version, encoding="cp932", unencodable="replace")

    rows = csv_rows(job, "cp932")
    assert job.status == JobStatus.DONE
    assert [r[4] for r in rows[1:]] == ["髙橋 﨑子①", "加賀～太郎〓"]
    with job.report_file.open("rb") as handle:
        report = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"), newline="")))
    assert report == [
        ["receipt_number", "column", "codepoint", "character"],
        [emoji.receipt_number, "氏名", "U+1F600", "😀"],
    ]
    assert len(exported_events(job)) == 1


def test_a_failed_export_leaves_no_file_no_event_and_no_trace_of_submissions(
    staff: StaffMember, form_version: FormVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    submission = submit_application(form_version)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(export_services.writers, "csv_chunks", broken)

    job = export(staff, form_version)

    assert job.status == JobStatus.FAILED
    assert job.error == "OSError"
    assert exported_events(job) == []
    assert export_selectors.exports_including(submission) == []


def test_a_zip_export_bundles_attachments_with_correct_sums(
    staff: StaffMember, form_version: FormVersion
) -> None:
    first, second = submit_application(form_version), submit_application(form_version)
    attach_file(first, "住民票.pdf", b"%PDF-1.7 first")
    attach_file(second, "保険証.pdf", b"%PDF-1.7 second")
    attach_file(second, "保険証.pdf", b"%PDF-1.7 second, again")

    job = export(staff, form_version, format="zip")

    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        sums = dict(
            reversed(line.split("  ", 1))
            for line in bundle.read("SHA256SUMS").decode().splitlines()
        )
        for entry in manifest:
            content = bundle.read(entry["path"])
            assert hashlib.sha256(content).hexdigest() == entry["sha256"] == sums[entry["path"]]
    assert [(m["receipt_number"], m["name"], m["intact"]) for m in manifest] == [
        (first.receipt_number, "住民票.pdf", True),
        (second.receipt_number, "保険証.pdf", True),
        (second.receipt_number, "保険証.pdf", True),
    ]
    assert "manifest.json" in sums and "manifest.csv" in sums
    assert exported_events(job)[0].detail["format"] == "zip"


def test_expired_exports_lose_their_file_but_stay_in_the_log(
    staff: StaffMember, form_version: FormVersion
) -> None:
    submission = submit_application(form_version)
    job = export(staff, form_version)
    path = job.file.path
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    purged = export_services.purge_expired_exports()

    job.refresh_from_db()
    assert purged == 1
    assert job.status == JobStatus.EXPIRED
    assert not job.file
    assert not os.path.exists(path)
    assert len(export_selectors.exports_including(submission)) == 1
    assert len(exported_events(job)) == 1


CHECKBOX_SCHEMA: dict[str, Any] = {
    "title": {"ja": "ごみ収集", "en": "Waste collection"},
    "steps": [
        {
            "key": "only",
            "title": "内容",
            "fields": [
                {
                    "key": "items",
                    "type": "choice",
                    "widget": "checkbox",
                    "label": "品目",
                    "options": [
                        {"value": "sofa", "label": "ソファー"},
                        {"value": "bed", "label": "ベッド"},
                        {"value": "desk", "label": "机"},
                    ],
                },
                {"key": "agree", "type": "consent", "label": "同意"},
                {"key": "photos", "type": "file", "label": "写真", "required": False},
            ],
        }
    ],
}


def test_checkbox_lists_consent_and_files_flatten_from_the_database(
    staff: StaffMember, department: Department
) -> None:
    version = publish_form(department=department, slug="sodaigomi", schema=CHECKBOX_SCHEMA)
    submission = submission_services.submit_answers(
        form_version=version, raw={"items": ["desk", "sofa"], "agree": True}, language="ja"
    )
    answers = submission.answers | {
        "photos": [{"id": 1, "name": "ソファー.jpg", "sha256": "ab" * 32, "size": 3}]
    }
    Submission.objects.filter(pk=submission.pk).update(answers=answers)
    columns = [Column(f"answer:{k}", k) for k in ("items", "agree", "photos")]

    job = export(staff, version, columns=columns)

    with translation.override("ja"):
        agreed = gettext("Agreed")
    assert csv_rows(job)[1] == ["ソファー、机", agreed, f"ソファー.jpg (sha256:{'ab' * 32})"]


def test_an_xlsx_export_is_a_workbook_with_every_row(
    staff: StaffMember, form_version: FormVersion
) -> None:
    first, second = submit_application(form_version), submit_application(form_version)

    job = export(staff, form_version, format="xlsx")

    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert job.file_name.endswith(".xlsx")
    assert first.receipt_number in sheet and second.receipt_number in sheet
    assert "加賀 太郎" in sheet


def test_an_export_whose_worker_died_is_marked_failed(
    form_version: FormVersion, staff: StaffMember
) -> None:
    submit_application(form_version)
    job = export_services.start_export(
        staff=staff,
        request=ExportRequest(
            form=form_version.form,
            columns=export_columns.default_columns(form_version.schema),
        ),
    )
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - timedelta(hours=7)
    )

    assert export_services.fail_stalled_exports() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "WorkerStopped"
