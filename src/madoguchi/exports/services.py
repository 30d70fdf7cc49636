"""Writes for exports: profiles, starting an export, running it, expiring its files.

An export fixes its set of submissions when it starts (one INSERT … SELECT of the
scoped query into :class:`ExportedSubmission`), then writes the file from that set
with a streaming query, so memory stays flat whatever the number of rows. Small
exports run at once and the view streams the file; large ones run in the background
(``tasks.run_export_job``) while the job page shows their progress. This module never
imports tasks (tasks import it): tasks.connect() hands it the way to enqueue when the app
is ready (:func:`use_background`).

Exactly one EXPORTED event is recorded per export, after the file is complete and
before anyone can download it: actor the staff pseudonym, subject ``export:<job id>``,
detail the department, form, number of rows, format and the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions import sealed as submission_sealed
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember

from . import selectors, writers
from .columns import Column, DateStyle, RowBuilder, stored_columns
from .models import (
    ExportedSubmission,
    ExportEncoding,
    ExportFormat,
    ExportJob,
    ExportProfile,
    JobStatus,
    Unencodable,
)
from .selectors import Filters

logger = logging.getLogger("madoguchi.exports")

CHUNK_ROWS = 2000
PROGRESS_SECONDS = 0.5
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "jsonl": "jsonl", "zip": "zip"}


class ExportNotAllowed(Refused):
    """The staff member may not export (read-only role, or a form of another department)."""

    code = "export_not_allowed"
    status = 403
    default_message = gettext_lazy("Your role cannot export submissions.")


class NothingToExport(Refused):
    """No submission matches the request."""

    code = "nothing_to_export"
    default_message = gettext_lazy("No submission matches. Change the filters and try again.")


@dataclass
class _Background:
    enqueue: Callable[[int], object] = field(default=lambda job_id: _not_connected())


def _not_connected() -> object:
    raise RuntimeError("madoguchi.exports.tasks.connect() has not run: is the app installed?")


_background = _Background()


def use_background(enqueue: Callable[[int], object]) -> None:
    """Large exports are handed to ``enqueue(job_id)`` (tasks.connect(), at app start)."""
    _background.enqueue = enqueue


def direct_max_rows() -> int:
    return int(getattr(settings, "MADOGUCHI_EXPORT_DIRECT_MAX_ROWS", 5000))


def retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "MADOGUCHI_EXPORT_RETENTION_DAYS", 7)))


# --- profiles ----------------------------------------------------------------------------


def save_profile(
    *,
    staff: StaffMember,
    form: Form,
    name: str,
    columns: list[Column],
    encoding: str,
    date_style: str,
    unencodable: str,
    profile: ExportProfile | None = None,
) -> ExportProfile:
    """Create or change a form's export profile (staff who act, in the form's departments)."""
    if (
        not selectors.may_export(staff)
        or not selectors.exportable_forms(staff).filter(pk=form.pk).exists()
    ):
        raise ExportNotAllowed
    if profile is not None and profile.form_id != form.pk:
        raise ExportNotAllowed
    with transaction.atomic():
        if profile is None:
            profile = ExportProfile(form=form)
        profile.name = name
        profile.columns = [c.as_dict() for c in columns]
        profile.encoding = encoding
        profile.date_style = date_style
        profile.unencodable = unencodable
        profile.updated_by = staff
        profile.save()
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=events.pseudonym("staff", staff.pk),
            subject=f"export_profile:{profile.pk}",
            detail={"form": str(form.pk), "columns": str(len(columns))},
        )
    return profile


# --- starting an export ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    form: Form
    columns: list[Column]
    format: str = ExportFormat.CSV
    encoding: str = ExportEncoding.UTF8_BOM
    date_style: str = "iso"
    unencodable: str = Unencodable.REFUSE
    filters: Filters = field(default_factory=Filters)
    profile_name: str = ""


def start_export(*, staff: StaffMember, request: ExportRequest) -> ExportJob:
    """Log and start an export; small ones are finished when this returns.

    Raises ExportNotAllowed outside the staff member's departments or for read-only
    staff, NothingToExport when no submission matches.
    """
    form = request.form
    if (
        not selectors.may_export(staff)
        or not selectors.exportable_forms(staff).filter(pk=form.pk).exists()
    ):
        raise ExportNotAllowed
    submissions = selectors.exportable_submissions(staff, form=form, filters=request.filters)
    with transaction.atomic():
        job = ExportJob.objects.create(
            municipality_id=form.municipality_id,
            department_id=form.department_id,
            form=form,
            created_by=staff,
            profile_name=request.profile_name,
            format=request.format,
            encoding=request.encoding if request.format == ExportFormat.CSV else "utf-8-sig",
            date_style=request.date_style,
            unencodable=request.unencodable,
            columns=[c.as_dict() for c in request.columns],
            filters=request.filters.as_json(),
        )
        total = _fix_rows(job, submissions)
        if total == 0:
            raise NothingToExport
        if request.format == ExportFormat.XLSX and total >= writers.XLSX_MAX_ROWS:
            raise writers.TooManyRows
        job.rows_total = total
        job.save(update_fields=["rows_total"])
    if total <= direct_max_rows():
        run_export(job.pk)
    else:
        _background.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _fix_rows(job: ExportJob, submissions: QuerySet[Submission]) -> int:
    """Record which submissions the export covers, in one statement inside the database.

    Written in export order, so the through table doubles as the resident-facing log
    of "exports that included my application" without a million ORM objects.
    """
    table = ExportedSubmission._meta.db_table
    sql, params = submissions.order_by("submitted_at", "id").values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (job_id, submission_id) "  # noqa: S608 (names are ours)
            f"SELECT %s, selected.id FROM ({sql}) selected",
            [job.pk, *params],
        )
        return int(cursor.rowcount)


# --- running an export -------------------------------------------------------------------


def run_export(job_id: int) -> None:
    """Write an export's file. Safe to call twice: only a queued job is taken."""
    purge_expired_exports()
    claimed = ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("form", "department", "created_by__user").get(pk=job_id)
    # A background job runs later: its creator may have lost the role or the department
    # meanwhile. Then no file is written (downloads are checked again as well).
    if selectors.download_refusal(job.created_by, job) is not None:
        _end_without_file(job, JobStatus.FAILED, error=ExportNotAllowed.__name__)
        return
    try:
        with tempfile.TemporaryDirectory(prefix="madoguchi-export-") as directory:
            _write(job, Path(directory))
    except Exception as error:
        # Never the message: it could quote an answer. The class is enough to look further.
        logger.exception("export %s failed", job.public_id)
        _end_without_file(job, JobStatus.FAILED, error=type(error).__name__)


def _write(job: ExportJob, directory: Path) -> None:
    target = directory / "export"
    report_path = directory / "report.csv"
    problems = writers.Problems()
    with open(report_path, "w", encoding="utf-8-sig", newline="") as report:
        report_writer = writers.CsvWriter(report)
        report_writer.writerow(["receipt_number", "column", "codepoint", "character"])
        problems.sink = lambda p: report_writer.writerow(list(p.as_dict().values()))
        if job.format == ExportFormat.XLSX:
            writers.write_xlsx(
                _header(job), _rows(job, typed=True), target, date_style=job.date_style
            )
        elif job.format == ExportFormat.ZIP:
            _write_chunks(target, _zip_chunks(job))
        elif job.format == ExportFormat.JSONL:
            keys = [c.source for c in _columns(job)]
            _write_chunks(target, writers.jsonl_chunks(keys, _rows(job)))
        else:
            chunks = writers.csv_chunks(
                _header(job),
                _rows(job),
                encoding="cp932" if job.encoding == ExportEncoding.CP932 else "utf-8-sig",
                replace_unencodable=job.unencodable == Unencodable.REPLACE,
                problems=problems,
            )
            _write_chunks(target, chunks)
    if problems.count and job.unencodable != Unencodable.REPLACE:
        job.problems = [p.as_dict() for p in problems.first]
        job.problem_count = problems.count
        _end_without_file(job, JobStatus.REFUSED)
        return
    _finish(job, target, report_path if problems.count else None, problems)


def _columns(job: ExportJob) -> list[Column]:
    return stored_columns(job.columns)


def _header(job: ExportJob) -> list[str]:
    return [c.header for c in _columns(job)]


def _schema_for(version_id: int) -> FormSchema:
    return FormVersion.objects.only("definition").get(pk=version_id).schema


def _rows(job: ExportJob, *, typed: bool = False) -> Iterator[writers.Row]:
    """The export's rows, read in chunks with a server-side cursor; reports progress."""
    style: DateStyle = "wareki" if job.date_style == "wareki" else "iso"
    builder = RowBuilder(_columns(job), schema_for=_schema_for, date_style=style, typed=typed)
    progress = _Progress(job)
    for values in selectors.job_rows(job).iterator(chunk_size=CHUNK_ROWS):
        yield writers.Row(values[1], builder.cells(values))
        progress.step()
    progress.flush()


class _Progress:
    """Writes rows done to the job at most twice a second (the job page polls it)."""

    def __init__(self, job: ExportJob) -> None:
        self.job_id = job.pk
        self.done = 0
        self.reported = time.monotonic()

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.done % 500 == 0 and time.monotonic() - self.reported >= PROGRESS_SECONDS:
            self.flush()

    def flush(self) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(rows_done=self.done)
        self.reported = time.monotonic()


def _zip_chunks(job: ExportJob) -> Iterator[bytes]:
    progress = _Progress(job)

    def items() -> Iterator[writers.ZipItem]:
        receipt = None
        encrypted = False
        for attachment in selectors.job_attachments(job).iterator(chunk_size=500):
            assert attachment.submission is not None  # job_attachments joins submissions
            number = attachment.submission.receipt_number
            if number != receipt:
                if receipt is not None:
                    progress.step()
                receipt = number
                # Sealed (end-to-end encryption): its stored files are ciphertext, listed
                # in the manifest and left out (writers.archive). One check per application.
                encrypted = submission_sealed.is_sealed(attachment.submission)
            yield writers.ZipItem(
                receipt_number=number,
                field=attachment.field_key,
                name=attachment.display_name,
                recorded_sha256=attachment.sha256,
                open=_opener(attachment.file.storage, str(attachment.file.name)),
                encrypted=encrypted,
                recorded_size=attachment.size,
            )

    yield from writers.zip_chunks(items())
    progress.done = job.rows_total
    progress.flush()


def _opener(storage: Any, name: str) -> Any:
    def open_file() -> IO[bytes]:
        handle: IO[bytes] = storage.open(name, "rb")
        return handle

    return open_file


def _write_chunks(path: Path, chunks: Iterable[bytes]) -> int:
    size = 0
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
            size += len(chunk)
    return size


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in writers.file_chunks(handle):
            digest.update(chunk)
    return digest.hexdigest()


def file_name_for(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M%S")
    suffix = "-cp932" if job.encoding == ExportEncoding.CP932 else ""
    return f"{job.form.slug}-{stamp}{suffix}.{EXTENSIONS[job.format]}"


def _finish(
    job: ExportJob,
    target: Path,
    report: Path | None,
    problems: writers.Problems,
) -> None:
    sha256 = _sha256_of(target)
    job.file_name = file_name_for(job)
    with open(target, "rb") as handle:
        job.file.save(f"{job.public_id}/{job.file_name}", File(handle), save=False)
    if report is not None:
        with open(report, "rb") as handle:
            job.report_file.save(
                f"{job.public_id}/{Path(job.file_name).stem}-report.csv", File(handle), save=False
            )
        job.problems = [p.as_dict() for p in problems.first]
        job.problem_count = problems.count
    now = timezone.now()
    job.size = target.stat().st_size
    job.sha256 = sha256
    job.status = JobStatus.DONE
    job.rows_done = job.rows_total
    job.finished_at = now
    job.expires_at = now + retention()
    detail = {
        "department": job.department.code,
        "form": str(job.form_id),
        "rows": str(job.rows_total),
        "format": job.format,
        "encoding": job.encoding,
        "sha256": sha256,
    }
    with transaction.atomic():
        job.save()
        events.record(
            events.Event.EXPORTED,
            actor=events.pseudonym("staff", job.created_by_id),
            subject=f"export:{job.public_id}",
            detail=detail,
        )


def _end_without_file(job: ExportJob, status: str, *, error: str = "") -> None:
    """Nothing left the system: the job says why, and it lists no submissions."""
    with transaction.atomic():
        ExportedSubmission.objects.filter(job=job).delete()
        ExportJob.objects.filter(pk=job.pk).update(
            status=status,
            error=error,
            problems=job.problems,
            problem_count=job.problem_count,
            finished_at=timezone.now(),
        )


# --- expiry ------------------------------------------------------------------------------


# A job still "running" after this long lost its worker (killed, machine restarted): the
# largest exports take minutes, so hours leave a wide margin.
STALLED_AFTER = timedelta(hours=6)


def fail_stalled_exports() -> int:
    """Mark exports whose worker died as failed, so staff see it and can start again."""
    stalled = list(
        ExportJob.objects.filter(
            status=JobStatus.RUNNING, started_at__lt=timezone.now() - STALLED_AFTER
        )
    )
    for job in stalled:
        _end_without_file(job, JobStatus.FAILED, error="WorkerStopped")
    return len(stalled)


def purge_expired_exports() -> int:
    """Delete the files of exports past their expiry (the log of them stays), and fail
    exports whose worker stopped."""
    fail_stalled_exports()
    expired = list(
        ExportJob.objects.filter(status=JobStatus.DONE, expires_at__lt=timezone.now()).only(
            "id", "file", "report_file"
        )
    )
    for job in expired:
        for stored in (job.file, job.report_file):
            if stored:
                stored.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.EXPIRED, file="", report_file=""
        )
    return len(expired)
