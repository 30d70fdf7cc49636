"""Exports for back-office systems: saved column mappings and the log of every export.

The tables were created by the backoffice app and renamed to exports_* by this app's
migrations 0001-0002 (state moved first, then the tables renamed), so no row was lost.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.models import Form
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")
    JSONL = "jsonl", _("JSON Lines")
    ZIP = "zip", _("Attachments (ZIP with manifest and SHA-256 sums)")


class ExportEncoding(models.TextChoices):
    UTF8_BOM = "utf-8-sig", _("UTF-8 with BOM (Excel)")
    CP932 = "cp932", _("Shift_JIS / CP932 (legacy systems)")


class DateStyle(models.TextChoices):
    ISO = "iso", _("ISO 8601 (2025-04-01)")
    WAREKI = "wareki", _("Japanese era (令和7年4月1日)")


class Unencodable(models.TextChoices):
    REFUSE = "refuse", _("Stop and list the characters")
    REPLACE = "replace", _("Write 〓 and include a report")


class ExportProfile(models.Model):
    """A form's column mapping for one back-office system: order, headers, encoding."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    # [{"source": "receipt_number" | "answer:<key>" | ..., "header": "..."}], in order.
    columns = models.JSONField()
    encoding = models.CharField(
        max_length=12, choices=ExportEncoding.choices, default=ExportEncoding.UTF8_BOM
    )
    date_style = models.CharField(max_length=8, choices=DateStyle.choices, default=DateStyle.ISO)
    unencodable = models.CharField(
        max_length=8, choices=Unencodable.choices, default=Unencodable.REFUSE
    )
    updated_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["form", "name"]
        constraints = [
            models.UniqueConstraint(fields=["form", "name"], name="export_profile_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form} / {self.name}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready to download")
    REFUSED = "refused", _("Stopped: characters CP932 cannot hold")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    """One export: who, what, how many, and the file while it lasts.

    Every export has a job, also the small ones streamed at once, so that the log of
    exports is complete. The submissions it covers are fixed when it starts
    (:class:`ExportedSubmission`), which is also how a resident's access history
    finds the exports that included their application.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    profile_name = models.CharField(max_length=100, blank=True)
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    encoding = models.CharField(max_length=12, choices=ExportEncoding.choices)
    date_style = models.CharField(max_length=8, choices=DateStyle.choices)
    unencodable = models.CharField(max_length=8, choices=Unencodable.choices)
    # The profile's columns as they were when the export ran.
    columns = models.JSONField()
    # What was asked for: statuses, date range, receipt numbers (never answers).
    filters = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    report_file = models.FileField(upload_to="exports/", blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    # The first problems, for the job page; the report file has them all.
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="export_job_by_creator")]

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.format}, {self.status})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def in_progress(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class ExportedSubmission(models.Model):
    """A submission included in an export (written in bulk when the export starts).

    No database foreign-key constraints: PostgreSQL checks them with a trigger per row
    that also locks each submission (FOR KEY SHARE), which made fixing a million-row
    export take minutes. Rows are only ever written by one INSERT … SELECT of existing
    submissions, and Django's CASCADE still removes them with their job or submission.
    """

    job = models.ForeignKey(
        ExportJob, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "submission"], name="exported_submission_unique")
        ]
        indexes = [models.Index(fields=["submission"], name="exported_by_submission")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.submission_id}"
