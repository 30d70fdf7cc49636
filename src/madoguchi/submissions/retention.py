"""Deleting what nobody will use: expired drafts, unsent correction files, orphaned files.

Run by ``madoguchi purge`` from a timer (docs/deploy.md). Rows go in transactions; their
files go after commit (submissions.signals). Files in storage that no row names, left by
an upload whose transaction rolled back or by a crash between the two, go once they are
older than ``MADOGUCHI_ORPHAN_FILE_HOURS``, so an upload being saved is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Attachment, Draft, ResultDocument

BATCH = 500
# Top-level storage folders whose files are each named by one row of a model.
STORED_FILES: dict[str, type[models.Model]] = {"attachments": Attachment, "results": ResultDocument}


@dataclass
class PurgeReport:
    drafts: int = 0
    correction_files: int = 0
    orphan_rows: int = 0
    orphan_files: int = 0

    def __str__(self) -> str:
        return (
            f"expired drafts: {self.drafts}, unsent correction files: {self.correction_files}, "
            f"attachments without owner: {self.orphan_rows}, files without row: "
            f"{self.orphan_files}"
        )


def _delete_in_batches(queryset: models.QuerySet[models.Model], *, dry_run: bool) -> int:
    """Delete a queryset's rows a batch at a time (signals fire for each attachment)."""
    if dry_run:
        return queryset.count()
    total = 0
    while True:
        pks = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not pks:
            return total
        total += len(pks)
        with transaction.atomic():
            queryset.model._default_manager.filter(pk__in=pks).delete()


def _walk(storage: Storage, directory: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for folder in folders:
        yield from _walk(storage, f"{directory}/{folder}")


def _orphan_files(
    storage: Storage, directory: str, model: type[models.Model], *, before: datetime
) -> Iterator[str]:
    """Files under ``directory`` that no row of ``model`` names and older than ``before``."""
    known: dict[str, set[str]] = {}
    for path in _walk(storage, directory):
        folder = path.rpartition("/")[0]
        if folder not in known:
            known[folder] = set(
                model._default_manager.filter(file__startswith=f"{folder}/").values_list(
                    "file", flat=True
                )
            )
        if path in known[folder]:
            continue
        try:
            modified = storage.get_modified_time(path)
        except (NotImplementedError, OSError):
            continue  # age unknown: keep it
        if modified < before:
            yield path


def purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    now = now or timezone.now()
    report = PurgeReport()
    report.drafts = _delete_in_batches(Draft.objects.filter(expires_at__lt=now), dry_run=dry_run)
    report.correction_files = _delete_in_batches(
        Attachment.objects.filter(correction__isnull=False).filter(
            Q(correction__expires_at__lt=now) | Q(correction__resubmitted_at__isnull=False)
        ),
        dry_run=dry_run,
    )
    before = now - timedelta(hours=settings.MADOGUCHI_ORPHAN_FILE_HOURS)
    report.orphan_rows = _delete_in_batches(
        Attachment.objects.filter(
            draft__isnull=True,
            submission__isnull=True,
            correction__isnull=True,
            superseded_by__isnull=True,
            created_at__lt=before,
        ),
        dry_run=dry_run,
    )
    for directory, model in STORED_FILES.items():
        for path in list(_orphan_files(default_storage, directory, model, before=before)):
            report.orphan_files += 1
            if not dry_run:
                default_storage.delete(path)
    return report
