"""Reads for exports. The department rule lives here, so no view or task can forget it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from madoguchi.forms.models import Form
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Attachment, Status, Submission
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.tenants.selectors import visible_departments

from . import columns as export_columns
from .columns import Column
from .models import ExportedSubmission, ExportJob, ExportProfile, JobStatus


def may_export(staff: StaffMember) -> bool:
    """Exporting takes personal data out of the system: staff who act, not read-only."""
    return staff.can_act


def exportable_forms(staff: StaffMember) -> QuerySet[Form]:
    """Forms of the departments this staff member may see (admins: the whole city)."""
    return (
        Form.objects.filter(department__in=visible_departments(staff))
        .select_related("department", "current_version")
        .order_by("department__code", "slug")
    )


def form_for_export(staff: StaffMember, form_id: int) -> Form:
    """Raises Form.DoesNotExist for a form outside the staff member's departments."""
    return exportable_forms(staff).get(pk=form_id)


def profiles_for(form: Form) -> QuerySet[ExportProfile]:
    return ExportProfile.objects.filter(form=form).order_by("name")


def profile_for(staff: StaffMember, profile_id: int) -> ExportProfile:
    """Raises ExportProfile.DoesNotExist outside the staff member's departments."""
    return ExportProfile.objects.select_related("form").get(
        pk=profile_id, form__in=exportable_forms(staff)
    )


def default_columns(form: Form) -> list[Column]:
    if form.current_version is None:
        return []
    return export_columns.default_columns(form.current_version.schema)


@dataclass(frozen=True)
class Filters:
    """Which of a form's submissions to export. Stored on the job as JSON."""

    statuses: tuple[str, ...] = ()
    submitted_from: date | None = None
    submitted_to: date | None = None
    receipt_numbers: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "statuses": list(self.statuses),
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else None,
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else None,
            "receipt_numbers": list(self.receipt_numbers),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filters:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            statuses=tuple(s for s in data.get("statuses", []) if s in Status.values),
            submitted_from=day(data.get("submitted_from")),
            submitted_to=day(data.get("submitted_to")),
            receipt_numbers=tuple(str(r) for r in data.get("receipt_numbers", [])),
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def exportable_submissions(
    staff: StaffMember, *, form: Form, filters: Filters
) -> QuerySet[Submission]:
    """The submissions an export of ``form`` by ``staff`` covers.

    Built on the inbox rule (``inbox_for``): a form outside the staff member's
    departments, or receipt numbers of other departments, simply match nothing.
    """
    submissions = submission_selectors.inbox_for(staff).filter(form_version__form=form)
    if filters.statuses:
        submissions = submissions.filter(status__in=filters.statuses)
    if filters.submitted_from:
        submissions = submissions.filter(submitted_at__gte=_start_of(filters.submitted_from))
    if filters.submitted_to:
        submissions = submissions.filter(
            submitted_at__lt=_start_of(filters.submitted_to + timedelta(days=1))
        )
    if filters.receipt_numbers:
        submissions = submissions.filter(receipt_number__in=filters.receipt_numbers)
    return submissions


def job_rows(job: ExportJob) -> QuerySet[Submission, tuple[Any, ...]]:
    """The rows of an export, oldest first, reading only what the columns need.

    The set was fixed when the job started; it is read with a server-side cursor
    (``.iterator(chunk_size=...)`` on PostgreSQL) by the caller.
    """
    answers = export_columns.answer_values(export_columns.stored_columns(job.columns))
    return (
        Submission.objects.filter(
            pk__in=ExportedSubmission.objects.filter(job=job).values("submission_id")
        )
        .annotate(**answers)
        .order_by("submitted_at", "id")
        .values_list(*export_columns.VALUE_FIELDS, *answers)
    )


def job_attachments(job: ExportJob) -> QuerySet[Attachment]:
    """Attachments of an export's submissions, submission by submission."""
    return (
        Attachment.objects.filter(
            submission_id__in=ExportedSubmission.objects.filter(job=job).values("submission_id")
        )
        .select_related("submission")
        .only(
            "id",
            "field_key",
            "name",
            "sha256",
            "file",
            "submission__receipt_number",
            "submission__submitted_at",
        )
        .order_by("submission__submitted_at", "submission_id", "field_key", "id")
    )


def jobs_for(staff: StaffMember) -> QuerySet[ExportJob]:
    """Exports this staff member may open: their own; administrators', the city's."""
    jobs = ExportJob.objects.select_related("form", "department", "created_by__user")
    if staff.role == StaffRole.MUNICIPALITY_ADMIN:
        return jobs.filter(municipality_id=staff.municipality_id)
    return jobs.filter(created_by=staff)


def job_for(staff: StaffMember, public_id: UUID | str) -> ExportJob:
    """Raises ExportJob.DoesNotExist for someone else's export (or a malformed id)."""
    try:
        return jobs_for(staff).get(public_id=public_id)
    except ValueError as error:  # not a UUID
        raise ExportJob.DoesNotExist from error


DownloadRefusal = Literal["role", "scope"]


def _may_still_export(person: StaffMember, job: ExportJob) -> DownloadRefusal | None:
    if not may_export(person) or not person.user.is_active:
        return "role"
    departments = visible_departments(person)
    covered = departments.filter(pk=job.department_id).exists() and (
        Form.objects.filter(pk=job.form_id, department__in=departments).exists()
    )
    return None if covered else "scope"


def download_refusal(staff: StaffMember, job: ExportJob) -> DownloadRefusal | None:
    """Why ``staff`` may not download ``job`` now (None: they may).

    Checked at every download, not only when the export was made: a file of personal data
    must not outlive the right that made it. Both the person downloading and the creator
    must still be allowed to export ("role") and still see the department the export
    covered and its form ("scope": removed from the department, or the form moved).
    """
    creator = job.created_by
    for person in (staff,) if creator.pk == staff.pk else (staff, creator):
        refusal = _may_still_export(person, job)
        if refusal is not None:
            return refusal
    return None


class ExportRecord(NamedTuple):
    """An export that included a submission, as the resident's access history shows it."""

    at: datetime
    department: str
    format: str


def exports_including(submission: Submission, *, language: str = "ja") -> list[ExportRecord]:
    """Completed exports that included ``submission``, newest first."""
    return exports_including_each([submission], language=language).get(submission.pk, [])


def exports_including_each(
    submissions: Iterable[Submission], *, language: str = "ja"
) -> dict[int, list[ExportRecord]]:
    """Completed exports per submission id, newest first, in one query.

    For the resident's access history (やりとり履歴): the ledger holds one EXPORTED
    event per export (subject ``export:<job public id>``), this table says which
    submissions each export contained.
    """
    links = (
        ExportedSubmission.objects.filter(
            submission__in=[s.pk for s in submissions],
            job__status__in=[JobStatus.DONE, JobStatus.EXPIRED],
        )
        .select_related("job__department")
        .order_by("-job__finished_at", "-job_id")
    )
    records: dict[int, list[ExportRecord]] = {}
    for link in links:
        job = link.job
        records.setdefault(link.submission_id, []).append(
            ExportRecord(
                at=job.finished_at or job.created_at,
                department=job.department.localized_name(language),
                format=job.format,
            )
        )
    return records
