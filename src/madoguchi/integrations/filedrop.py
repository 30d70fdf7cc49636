"""File drops for legacy intake: new applications of a form, as files, on a schedule.

For back-office systems that only take files (the USB / 無害化 path across 三層の対策):
``madoguchi file_drop`` (a timer) writes, per enabled drop, one batch directory
``<lg_code>_<form slug>_<YYYYMMDD-HHMMSS>_<run id>/`` holding

- ``applications.csv`` or ``applications.xlsx``: the export profile's columns, encoding and
  dates, written by the exports app's writers (the same file an export gives);
- ``problems.csv`` when the profile writes 〓 for what CP932 cannot hold;
- ``attachments.zip`` (when on): a folder per receipt number, a sub-folder per question,
  names made safe by :mod:`.filedrop_names`, with the exports ZIP's own manifest and sums;
- ``manifest.json`` (the batch, its applications and every file with size and SHA-256) and
  ``SHA256SUMS`` (``sha256sum -c SHA256SUMS`` checks the batch);
- ``.done``, written last: a reader takes a batch only once it is there.

The batch is built under a staging name and published whole (:mod:`.filedrop_targets`). The
applications it holds (:class:`FileDropItem`), the drop's cursor, the run and one EXPORTED
ledger event per application (so the resident's やりとり履歴 shows the department that took
it) are written in one transaction, with the ``.done`` marker as its last step: a failure
anywhere removes the batch, records the error class on the run and leaves the applications
for the next run. Only one run of a drop at a time (a unique open run), and an application is
dropped once per version (its number of resubmissions), so overlapping timers and retries never
drop twice. Sealed applications are counted and left for the LGWAN node.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.exports import columns as export_columns
from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import writers
from madoguchi.exports.models import (
    DateStyle,
    ExportEncoding,
    ExportProfile,
    Unencodable,
)
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions.models import Attachment, Submission
from madoguchi.tenants.models import StaffMember

from . import filedrop_selectors as selectors
from .filedrop_names import FolderNames
from .filedrop_targets import check_target, target_for
from .models import DropFormat, FileDrop, FileDropItem, FileDropRun

logger = logging.getLogger("madoguchi.integrations.filedrop")

MANIFEST_FORMAT = "madoguchi-file-drop/1"
# A run still open after this long lost its process (killed, machine restarted).
STALE_AFTER = timedelta(hours=1)


def batch_max() -> int:
    """Applications per batch; a larger backlog is caught up batch after batch."""
    return int(getattr(settings, "MADOGUCHI_FILEDROP_BATCH_MAX", 1000))


class DropNotAllowed(Exception):
    """The staff member may not set up this drop (read-only role, or another department)."""


class DropFailed(Exception):
    """A run could not write its batch; the message is safe to keep (codes and counts only)."""


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class DropSettings:
    form: Form
    profile: ExportProfile | None
    format: str
    target: str
    with_attachments: bool
    enabled: bool


def save_drop(
    *, staff: StaffMember, values: DropSettings, drop: FileDrop | None = None
) -> FileDrop:
    """Create or change a drop. Raises DropNotAllowed outside the staff member's departments
    or for read-only staff, TargetInvalid when the target cannot take batches."""
    form = values.form
    if (
        not selectors.may_configure(staff)
        or not selectors.forms_for(staff).filter(pk=form.pk).exists()
    ):
        raise DropNotAllowed
    if values.profile is not None and values.profile.form_id != form.pk:
        raise DropNotAllowed
    target = check_target(values.target)
    with transaction.atomic():
        if drop is None:
            drop = FileDrop(created_by=staff)
        elif drop.form_id != form.pk:
            # Another form's applications: what this drop dropped says nothing about them.
            drop.cursor = 0
        drop.municipality_id = form.municipality_id
        drop.department_id = form.department_id
        drop.form = form
        drop.profile = values.profile
        drop.format = values.format
        drop.target = target
        drop.with_attachments = values.with_attachments
        drop.enabled = values.enabled
        drop.save()
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=events.pseudonym("staff", staff.pk),
            subject=f"file_drop:{drop.public_id}",
            detail={
                "department": form.department.code,
                "form": str(form.pk),
                "format": drop.format,
                "target": "s3" if target.startswith("s3://") else "directory",
                "enabled": str(drop.enabled).lower(),
            },
        )
    return drop


# --- runs ------------------------------------------------------------------------------------


@dataclass
class RunResult:
    drop: FileDrop
    run: FileDropRun | None = None
    count: int = 0
    sealed: int = 0
    error: str = ""
    busy: bool = False
    dry_run: bool = False


def run_drops(*, drop_id: int | None = None, dry_run: bool = False) -> list[RunResult]:
    """Every enabled drop (or one), batch after batch until caught up or a run fails."""
    results = []
    for drop in selectors.enabled_drops(drop_id):
        while True:
            result = run_drop(drop, dry_run=dry_run)
            results.append(result)
            if dry_run or result.error or result.busy or result.count < batch_max():
                break
    return results


def run_drop(drop: FileDrop, *, dry_run: bool = False) -> RunResult:
    """Drop what is new for ``drop`` as one batch (see the module's docstring)."""
    _close_interrupted(drop)
    waiting = selectors.pending(drop, limit=batch_max())
    result = RunResult(drop=drop, count=len(waiting.submissions), sealed=waiting.sealed)
    if dry_run:
        result.dry_run = True
        return result
    if not waiting.submissions and not waiting.sealed:
        return result
    try:
        with transaction.atomic():
            run = FileDropRun.objects.create(
                drop=drop,
                started_at=timezone.now(),
                cursor_from=drop.cursor,
                cursor_to=drop.cursor,
                sealed_skipped=waiting.sealed,
            )
    except IntegrityError:
        result.busy = True
        result.count = 0
        return result
    result.run = run
    if not waiting.submissions:
        _end(run, count=0)
        return result
    batch = batch_name(drop, run)
    target = target_for(drop.target)
    staging: Path | None = None
    try:
        staging = target.staging(batch)
        manifest_sha = _write_batch(drop, run, batch, staging, waiting.submissions)
        target.publish(staging, batch)
        _commit(drop, run, batch, manifest_sha, waiting.submissions, target)
    except Exception as error:
        result.error = _error_text(error)
        result.count = 0
        # The message can quote a file name a resident chose: only the class is logged.
        logger.error("file drop %s run %s failed: %s", drop.public_id, run.pk, type(error).__name__)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        _discard(target, batch)
        _end(run, count=0, error=result.error)
    return result


def batch_name(drop: FileDrop, run: FileDropRun) -> str:
    stamp = timezone.localtime(run.started_at).strftime("%Y%m%d-%H%M%S")
    return f"{drop.municipality.lg_code}_{drop.form.slug}_{stamp}_{run.pk}"


def _discard(target: Any, batch: str) -> None:
    try:
        target.discard(batch)
    except Exception:  # the run has failed already; readers skip batches without .done
        logger.error("file drop batch %s could not be removed", batch)


def _error_text(error: BaseException) -> str:
    if isinstance(error, DropFailed):
        return str(error)[:200]
    detail = f" ({error.strerror})" if isinstance(error, OSError) and error.strerror else ""
    return f"{type(error).__name__}{detail}"[:200]


def _end(run: FileDropRun, *, count: int, error: str = "") -> None:
    FileDropRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), count=count, error=error
    )
    run.refresh_from_db()


def _close_interrupted(drop: FileDrop) -> None:
    """A run left open by a process that died: its batch, if any, is removed (it has no
    .done, or its transaction did not commit) and the run says so; its applications wait."""
    stale = FileDropRun.objects.filter(
        drop=drop, finished_at__isnull=True, started_at__lt=timezone.now() - STALE_AFTER
    )
    for run in stale:
        _discard(target_for(drop.target), batch_name(drop, run))
        _end(run, count=0, error="Interrupted")


def _commit(
    drop: FileDrop,
    run: FileDropRun,
    batch: str,
    manifest_sha: str,
    chosen: list[tuple[int, int]],
    target: Any,
) -> None:
    ids = [submission_id for submission_id, _ in chosen]
    public_ids = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "public_id"))
    cursor = max(drop.cursor, *ids)
    actor = events.pseudonym("file_drop", drop.public_id)
    detail = {
        "department": drop.department.code,
        "form": str(drop.form_id),
        "format": f"file_drop:{drop.format}",
        "batch": batch,
        "sha256": manifest_sha,
    }
    with transaction.atomic():
        FileDropItem.objects.bulk_create(
            FileDropItem(drop=drop, run=run, submission_id=i, generation=g) for i, g in chosen
        )
        for submission_id in ids:
            events.record(
                events.Event.EXPORTED,
                actor=actor,
                subject=events.submission_subject(public_ids[submission_id]),
                detail=detail,
            )
        FileDropRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            count=len(chosen),
            cursor_to=cursor,
            batch=batch,
            manifest_sha256=manifest_sha,
        )
        FileDrop.objects.filter(pk=drop.pk).update(cursor=cursor)
        # Last: if the marker cannot be written the transaction rolls back and the batch goes.
        target.mark_done(batch, f"{manifest_sha}  manifest.json\n".encode())
    drop.cursor = cursor
    run.refresh_from_db()


# --- writing a batch -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    columns: list[export_columns.Column]
    encoding: str
    date_style: str
    replace: bool


def _options(drop: FileDrop) -> _Options:
    profile = drop.profile
    if profile is None:
        return _Options(
            export_selectors.default_columns(drop.form), ExportEncoding.UTF8_BOM, "iso", False
        )
    return _Options(
        export_columns.stored_columns(profile.columns),
        profile.encoding,
        profile.date_style,
        profile.unencodable == Unencodable.REPLACE,
    )


def _schema_for(version_id: int) -> FormSchema:
    return FormVersion.objects.only("definition").get(pk=version_id).schema


def _rows(ids: list[int], options: _Options, *, typed: bool) -> Iterator[writers.Row]:
    answers = export_columns.answer_values(options.columns)
    values = (
        Submission.objects.filter(pk__in=ids)
        .annotate(**answers)
        .order_by("submitted_at", "id")
        .values_list(*export_columns.VALUE_FIELDS, *answers)
    )
    style: export_columns.DateStyle = "wareki" if options.date_style == DateStyle.WAREKI else "iso"
    builder = export_columns.RowBuilder(
        options.columns, schema_for=_schema_for, date_style=style, typed=typed
    )
    for row in values.iterator(chunk_size=500):
        yield writers.Row(row[1], builder.cells(row))


def _write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)


def _write_data(directory: Path, drop: FileDrop, ids: list[int], options: _Options) -> list[str]:
    header = [c.header for c in options.columns]
    if drop.format == DropFormat.XLSX:
        writers.write_xlsx(
            header,
            _rows(ids, options, typed=True),
            directory / "applications.xlsx",
            date_style=options.date_style,
        )
        return ["applications.xlsx"]
    problems = writers.Problems()
    cp932 = options.encoding == ExportEncoding.CP932
    _write_chunks(
        directory / "applications.csv",
        writers.csv_chunks(
            header,
            _rows(ids, options, typed=False),
            encoding="cp932" if cp932 else "utf-8-sig",
            replace_unencodable=options.replace,
            problems=problems,
        ),
    )
    if not problems.count:
        return ["applications.csv"]
    receipts = sorted({p.receipt_number for p in problems.first})
    if not options.replace:
        raise DropFailed(
            f"CP932 cannot hold {problems.count} character(s) in {', '.join(receipts[:5])}"
            f"{' …' if len(receipts) > 5 else ''}"
        )
    with open(directory / "problems.csv", "w", encoding="utf-8-sig", newline="") as report:
        report_writer = writers.CsvWriter(report)
        report_writer.writerow(["receipt_number", "column", "codepoint", "character"])
        for problem in problems.first:
            report_writer.writerow(list(problem.as_dict().values()))
    return ["applications.csv", "problems.csv"]


def _opener(attachment: Attachment) -> Any:
    def open_file() -> IO[bytes]:
        handle: IO[bytes] = attachment.file.storage.open(str(attachment.file.name), "rb")
        return handle

    return open_file


def _zip_items(ids: list[int], *, cp932: bool) -> Iterator[writers.ZipItem]:
    folders: dict[tuple[str, str], FolderNames] = {}
    attachments = (
        Attachment.objects.filter(submission_id__in=ids)
        .select_related("submission")
        .order_by("submission__submitted_at", "submission_id", "field_key", "id")
    )
    for attachment in attachments.iterator(chunk_size=500):
        assert attachment.submission is not None
        receipt = attachment.submission.receipt_number
        folder = folders.setdefault((receipt, attachment.field_key), FolderNames(cp932=cp932))
        yield writers.ZipItem(
            receipt_number=receipt,
            field=attachment.field_key,
            name=folder.add(attachment.display_name),
            recorded_sha256=attachment.sha256,
            open=_opener(attachment),
        )


def _describe(directory: Path, name: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with open(directory / name, "rb") as handle:
        for chunk in writers.file_chunks(handle):
            digest.update(chunk)
            size += len(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest()}


def _write_batch(
    drop: FileDrop, run: FileDropRun, batch: str, directory: Path, chosen: list[tuple[int, int]]
) -> str:
    """Write the batch's files into ``directory``; returns manifest.json's SHA-256."""
    ids = [submission_id for submission_id, _ in chosen]
    options = _options(drop)
    cp932 = options.encoding == ExportEncoding.CP932 and drop.format == DropFormat.CSV
    names = _write_data(directory, drop, ids, options)
    if drop.with_attachments:
        _write_chunks(
            directory / "attachments.zip", writers.zip_chunks(_zip_items(ids, cp932=cp932))
        )
        names.append("attachments.zip")
    files = [_describe(directory, name) for name in names]
    generations = dict(chosen)
    applications = [
        {"receipt_number": receipt, "id": str(public_id), "generation": generations[pk]}
        for pk, receipt, public_id in Submission.objects.filter(pk__in=ids)
        .order_by("submitted_at", "id")
        .values_list("pk", "receipt_number", "public_id")
    ]
    manifest = {
        "format": MANIFEST_FORMAT,
        "batch": batch,
        "run": run.pk,
        "created_at": _iso(run.started_at),
        "municipality": drop.municipality.lg_code,
        "department": drop.department.code,
        "form": drop.form.slug,
        "data": {
            "format": drop.format,
            "encoding": "cp932" if cp932 else "utf-8-sig",
            "date_style": options.date_style,
            "columns": [c.as_dict() for c in options.columns],
        },
        "applications": applications,
        "sealed_skipped": run.sealed_skipped,
        "files": files,
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    (directory / "manifest.json").write_bytes(manifest_bytes)
    files.append(_describe(directory, "manifest.json"))
    sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in files)
    (directory / "SHA256SUMS").write_text(sums, encoding="ascii")
    return hashlib.sha256(manifest_bytes).hexdigest()


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")
