"""File drops: batches a legacy system can check with sha256sum, written once and whole."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import threading
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.exports.models import ExportEncoding, ExportProfile, Unencodable
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import filedrop
from madoguchi.integrations.models import (
    DropFormat,
    FileDrop,
    FileDropItem,
    FileDropRun,
    SealedSubmission,
)
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions import corrections, workflow
from madoguchi.submissions.models import Submission
from madoguchi.submissions.selectors import access_history
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import attach_file, submit_application

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a scanned certificate\n"


def make_drop(form_version: FormVersion, target: Path, **values: Any) -> FileDrop:
    form = form_version.form
    return FileDrop.objects.create(
        municipality=form.municipality,
        department=form.department,
        form=form,
        target=str(target),
        **values,
    )


def batches(target: Path) -> list[Path]:
    return sorted(p for p in target.iterdir() if p.is_dir())


def only_batch(target: Path) -> Path:
    [batch] = batches(target)
    return batch


def csv_rows(batch: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    text = (batch / "applications.csv").read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_batch_holds_the_applications_and_verifies_with_sha256sum(
    form_version: FormVersion, tmp_path: Path
) -> None:
    first = submit_application(form_version)
    second = submit_application(form_version, name="能登 花子")
    attach_file(second, "住民票.pdf", PDF)
    drop = make_drop(form_version, tmp_path)

    [result] = filedrop.run_drops()

    batch = only_batch(tmp_path)
    run = FileDropRun.objects.get()
    assert result.count == 2 and not result.error
    assert batch.name == run.batch
    assert batch.name.startswith(f"{drop.municipality.lg_code}_test-form_")
    assert batch.name.endswith(f"_{run.pk}")
    assert sorted(p.name for p in batch.iterdir()) == [
        ".done",
        "SHA256SUMS",
        "applications.csv",
        "attachments.zip",
        "manifest.json",
    ]
    check = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"],
        cwd=batch,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 3
    rows = csv_rows(batch)
    assert [r[0] for r in rows[1:]] == [first.receipt_number, second.receipt_number]
    assert "能登 花子" in rows[2]
    manifest = json.loads((batch / "manifest.json").read_text())
    assert [a["receipt_number"] for a in manifest["applications"]] == [
        first.receipt_number,
        second.receipt_number,
    ]
    assert {f["path"] for f in manifest["files"]} == {"applications.csv", "attachments.zip"}
    assert run.manifest_sha256 in (batch / ".done").read_text()
    with zipfile.ZipFile(batch / "attachments.zip") as archive:
        assert archive.read(f"{second.receipt_number}/documents/住民票.pdf") == PDF
    drop.refresh_from_db()
    assert drop.cursor == second.pk == run.cursor_to


def test_each_dropped_application_is_in_the_ledger_and_the_residents_access_history(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submission = submit_application(form_version)
    make_drop(form_version, tmp_path)

    filedrop.run_drops()

    entry = LedgerEntry.objects.get(
        event=events.Event.EXPORTED, subject=events.submission_subject(submission.public_id)
    )
    assert entry.detail["department"] == form_version.form.department.code
    assert entry.detail["batch"] == FileDropRun.objects.get().batch
    assert "加賀" not in json.dumps(entry.detail, ensure_ascii=False)
    history = access_history([submission], language="ja")
    exported = [r for r in history if r.event == events.Event.EXPORTED]
    assert [r.department for r in exported] == [form_version.form.department.name]


def test_no_application_is_dropped_twice_and_the_next_run_takes_only_new_ones(
    form_version: FormVersion, tmp_path: Path
) -> None:
    old = submit_application(form_version)
    make_drop(form_version, tmp_path)
    filedrop.run_drops()

    assert filedrop.run_drops()[0].run is None
    new = submit_application(form_version)
    filedrop.run_drops()

    assert len(batches(tmp_path)) == 2
    assert [r[0] for r in csv_rows(batches(tmp_path)[-1])[1:]] == [new.receipt_number]
    assert FileDropItem.objects.filter(submission=old).count() == 1
    assert FileDropRun.objects.count() == 2


def test_a_resubmitted_application_is_dropped_again_withdrawn_ones_never(
    form_version: FormVersion,
    tmp_path: Path,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    submission = submit_application(form_version)
    withdrawn = submit_application(form_version)
    Submission.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    make_drop(form_version, tmp_path)
    filedrop.run_drops()
    with django_capture_on_commit_callbacks(execute=True):
        correction, _token = workflow.return_for_correction(
            submission=submission,
            staff=staff,
            reason="フリガナを確認してください。",
            fields=["name_kana"],
        )
        corrections.apply_correction(
            correction=correction, answers=submission.answers | {"name_kana": "カガ ジロウ"}
        )

    filedrop.run_drops()

    first, second = batches(tmp_path)
    assert [r[0] for r in csv_rows(first)[1:]] == [submission.receipt_number]
    assert "カガ ジロウ" in csv_rows(second)[1]
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["applications"][0]["generation"] == 1


def test_a_cp932_profile_refuses_a_name_it_cannot_hold_and_leaves_nothing(
    form_version: FormVersion, tmp_path: Path
) -> None:
    fine = submit_application(form_version)
    submit_application(form_version, name="𠮷野 太郎")
    profile = ExportProfile.objects.create(
        form=form_version.form,
        name="基幹",
        columns=[
            {"source": "receipt_number", "header": "受付番号"},
            {"source": "answer:name", "header": "氏名"},
        ],
        encoding=ExportEncoding.CP932,
        unencodable=Unencodable.REFUSE,
    )
    drop = make_drop(form_version, tmp_path, profile=profile)

    [result] = filedrop.run_drops()

    assert result.error.startswith("CP932 cannot hold 1 character")
    assert list(tmp_path.iterdir()) == []
    assert FileDropRun.objects.get().error == result.error
    assert not FileDropItem.objects.exists()
    drop.refresh_from_db()
    assert drop.cursor == 0

    ExportProfile.objects.filter(pk=profile.pk).update(unencodable=Unencodable.REPLACE)
    drop.refresh_from_db()
    [result] = filedrop.run_drops()

    batch = only_batch(tmp_path)
    rows = csv_rows(batch, "cp932")
    assert rows[0] == ["受付番号", "氏名"]
    assert rows[1] == [fine.receipt_number, "加賀 太郎"]
    assert rows[2][1] == "〓野 太郎"
    problems = (batch / "problems.csv").read_text(encoding="utf-8-sig")
    assert "U+20BB7" in problems
    assert "problems.csv" in (batch / "SHA256SUMS").read_text()


def test_hostile_attachment_names_become_safe_unique_names_in_one_folder_per_receipt(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submission = submit_application(form_version)
    hostile = [
        "../../etc/passwd",
        # NUL cannot be stored in PostgreSQL text: the sanitiser's own tests cover it.
        "evil\x07\x1b[31m.pdf",
        "C:\\Windows\\system32.pdf",
        "あ" * 250 + ".pdf",
        "同じ名前.pdf",
        "同じ名前.pdf",
        "Report.PDF",
        "report.pdf",
        "\u202egnp.exe",
        "𠮷田の診断書.pdf",
    ]
    for index, name in enumerate(hostile):
        attach_file(submission, name, PDF + str(index).encode())
    profile = ExportProfile.objects.create(
        form=form_version.form,
        name="cp932",
        columns=[{"source": "receipt_number", "header": "受付番号"}],
        encoding=ExportEncoding.CP932,
    )
    make_drop(form_version, tmp_path, profile=profile)

    filedrop.run_drops()

    with zipfile.ZipFile(only_batch(tmp_path) / "attachments.zip") as archive:
        names = [n for n in archive.namelist() if n.startswith(submission.receipt_number)]
        contents = {archive.read(n) for n in names}
    files = [n.removeprefix(f"{submission.receipt_number}/documents/") for n in names]
    assert len(files) == len(hostile) and len(contents) == len(hostile)
    assert len({f.casefold() for f in files}) == len(files)
    for name in files:
        assert "/" not in name and "\\" not in name and name.isprintable()
        assert not name.startswith(".")
        assert len(name.encode("cp932")) <= 120
    assert "同じ名前_2.pdf" in files
    assert "_田の診断書.pdf" in files


def test_a_failure_mid_run_leaves_no_batch_and_the_next_run_catches_up(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submission = submit_application(form_version)
    attachment = attach_file(submission, "申請書.pdf", PDF)
    stored = Path(attachment.file.path)
    stored.rename(stored.with_suffix(".away"))
    drop = make_drop(form_version, tmp_path)

    [failed] = filedrop.run_drops()

    assert failed.error.startswith("FileNotFoundError")
    assert list(tmp_path.iterdir()) == []
    assert FileDropRun.objects.get().error == failed.error
    assert not LedgerEntry.objects.filter(event=events.Event.EXPORTED).exists()

    stored.with_suffix(".away").rename(stored)
    [caught_up] = filedrop.run_drops()

    assert caught_up.count == 1
    assert [r[0] for r in csv_rows(only_batch(tmp_path))[1:]] == [submission.receipt_number]
    drop.refresh_from_db()
    assert drop.cursor == submission.pk


def test_a_target_that_went_away_fails_the_run_and_the_command_exits_non_zero(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submit_application(form_version)
    make_drop(form_version, tmp_path / "gone")

    with pytest.raises(CommandError):
        call_command("file_drop")

    assert FileDropRun.objects.get().error == "TargetInvalid"


def test_sealed_applications_are_counted_and_left_for_the_lgwan_node(
    form_version: FormVersion, tmp_path: Path
) -> None:
    clear = submit_application(form_version)
    sealed = submit_application(form_version)
    SealedSubmission.objects.create(
        submission=sealed,
        suite="test",
        recipients=[],
        ciphertext=b"\x00",
        plaintext_sha256="0" * 64,
        sealed_at=timezone.now(),
    )
    make_drop(form_version, tmp_path)

    [result] = filedrop.run_drops()

    assert result.count == 1 and result.sealed == 1
    assert [r[0] for r in csv_rows(only_batch(tmp_path))[1:]] == [clear.receipt_number]
    assert FileDropRun.objects.get().sealed_skipped == 1
    assert json.loads((only_batch(tmp_path) / "manifest.json").read_text())["sealed_skipped"] == 1


def test_a_second_run_while_one_is_open_is_skipped_and_a_stale_one_is_closed(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submit_application(form_version)
    drop = make_drop(form_version, tmp_path)
    open_run = FileDropRun.objects.create(
        drop=drop, started_at=timezone.now(), cursor_from=0, cursor_to=0
    )

    [busy] = filedrop.run_drops()

    assert busy.busy and list(tmp_path.iterdir()) == []
    open_run.started_at = timezone.now() - filedrop.STALE_AFTER - timedelta(minutes=1)
    open_run.save()
    leftover = tmp_path / filedrop.batch_name(drop, open_run)
    leftover.mkdir()

    [result] = filedrop.run_drops()

    assert result.count == 1
    assert FileDropRun.objects.get(pk=open_run.pk).error == "Interrupted"
    assert not leftover.exists()
    assert len(batches(tmp_path)) == 1


def test_a_dry_run_counts_and_writes_nothing(
    form_version: FormVersion, tmp_path: Path, capsys: Any
) -> None:
    submit_application(form_version)
    drop = make_drop(form_version, tmp_path)

    call_command("file_drop", "--dry-run", "--drop", str(drop.pk))

    assert "would write 1 application(s)" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    assert not FileDropRun.objects.exists()


def test_an_xlsx_drop_writes_the_workbook_and_a_large_backlog_in_batches(
    form_version: FormVersion, tmp_path: Path, settings: Any
) -> None:
    settings.MADOGUCHI_FILEDROP_BATCH_MAX = 2
    for _ in range(5):
        submit_application(form_version)
    make_drop(form_version, tmp_path, format=DropFormat.XLSX, with_attachments=False)

    results = filedrop.run_drops()

    assert [r.count for r in results] == [2, 2, 1]
    for batch in batches(tmp_path):
        assert sorted(p.name for p in batch.iterdir()) == [
            ".done",
            "SHA256SUMS",
            "applications.xlsx",
            "manifest.json",
        ]
        assert zipfile.is_zipfile(batch / "applications.xlsx")
    assert FileDropItem.objects.count() == 5


def test_a_marked_batch_whose_commit_was_lost_is_recorded_not_dropped_again(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submission = submit_application(form_version)
    drop = make_drop(form_version, tmp_path)
    filedrop.run_drops()
    # What a commit that failed after the .done marker leaves: the batch complete and marked,
    # the run open, nothing recorded.
    run = FileDropRun.objects.get()
    FileDropItem.objects.all().delete()
    FileDropRun.objects.filter(pk=run.pk).update(finished_at=None, count=0, batch="")
    FileDrop.objects.filter(pk=drop.pk).update(cursor=0)
    drop.refresh_from_db()

    [result] = filedrop.run_drops()

    assert result.run is None and not result.error
    assert len(batches(tmp_path)) == 1
    adopted = FileDropRun.objects.get()
    assert adopted.finished_at is not None and adopted.count == 1
    assert adopted.batch == only_batch(tmp_path).name
    assert list(FileDropItem.objects.values_list("submission_id", flat=True)) == [submission.pk]
    drop.refresh_from_db()
    assert drop.cursor == submission.pk


def test_overlapping_runs_of_one_drop_never_drop_an_application_twice(
    form_version: FormVersion, tmp_path: Path, transactional_db: None
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions: run on PostgreSQL (DATABASE_URL)")
    for _ in range(20):
        submit_application(form_version)
    drop = make_drop(form_version, tmp_path)
    start = threading.Barrier(4)
    results: list[filedrop.RunResult] = []

    def run() -> None:
        start.wait()
        try:
            results.append(filedrop.run_drop(FileDrop.objects.get(pk=drop.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.count for r in results) == 20
    assert FileDropItem.objects.count() == 20
    assert len(batches(tmp_path)) == 1
    dropped = [r[0] for r in csv_rows(only_batch(tmp_path))[1:]]
    assert len(dropped) == len(set(dropped)) == 20


def test_a_resubmission_pulled_by_the_lgwan_node_is_dropped_again_there(
    form_version: FormVersion, tmp_path: Path
) -> None:
    submission = submit_application(form_version)
    make_drop(form_version, tmp_path)
    filedrop.run_drops()
    # The LGWAN node's mirror records a pulled resubmission as a status change, without a
    # correction of its own (integrations.mirror.store).
    Submission.objects.filter(pk=submission.pk).update(status="returned")
    with transaction.atomic():
        workflow.record_change(
            Submission.objects.get(pk=submission.pk),
            "resubmitted",
            staff=None,
            reason="",
            extra={"by": "internet_node"},
        )

    filedrop.run_drops()

    assert FileDropItem.objects.filter(submission=submission).count() == 2
    assert len(batches(tmp_path)) == 2
