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

The batch is written by :mod:`.filedrop_batch` under a staging name and published whole
(:mod:`.filedrop_targets`). The
applications it holds (:class:`FileDropItem`), the drop's cursor, the run and one EXPORTED
ledger event per application (so the resident's やりとり履歴 shows the department that took
it) are written in one transaction, with the ``.done`` marker as its last step: a failure
anywhere removes the batch, records the error class on the run and leaves the applications
for the next run (if only the commit failed after the marker, the batch stays and the next run
records it from its manifest). Only one run of a drop at a time (a unique open run), and an
application is dropped once per version (its number of resubmissions), so overlapping timers and
retries never drop twice. Sealed applications are counted and left for the LGWAN node.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.exports.models import ExportProfile
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember

from . import filedrop_selectors as selectors
from .filedrop_batch import DropFailed, write_batch
from .filedrop_targets import DONE, check_target, target_for
from .models import FileDrop, FileDropItem, FileDropRun

logger = logging.getLogger("madoguchi.integrations.filedrop")

# A run still open after this long lost its process (killed, machine restarted).
STALE_AFTER = timedelta(hours=1)


def batch_max() -> int:
    """Applications per batch; a larger backlog is caught up batch after batch."""
    return int(settings.MADOGUCHI_FILEDROP_BATCH_MAX)


class DropNotAllowed(Exception):
    """The staff member may not set up this drop (read-only role, or another department)."""


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
    marker = _Marker()
    try:
        staging = target.staging(batch)
        manifest_sha = write_batch(drop, run, batch, staging, waiting.submissions)
        target.publish(staging, batch)
        _commit(drop, run, batch, manifest_sha, waiting.submissions, target, marker)
    except Exception as error:
        result.error = _error_text(error)
        result.count = 0
        # The message can quote a file name a resident chose: only the class is logged.
        logger.error("file drop %s run %s failed: %s", drop.public_id, run.pk, type(error).__name__)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if marker.written:
            # The commit itself failed after the marker: a reader may have the batch already.
            # It stays, with its run open, and the next run records it (_close_interrupted).
            return result
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
    """Settle runs left open by a process that died or a commit that failed.

    A batch with its ``.done`` marker is complete and may have been read: its applications
    are recorded from its manifest (never dropped again). A batch without one, once the run
    is older than STALE_AFTER, is removed and the run says so; its applications wait.
    """
    target = target_for(drop.target)
    for run in FileDropRun.objects.filter(drop=drop, finished_at__isnull=True):
        batch = batch_name(drop, run)
        done = _read(target, batch, DONE)
        if done is not None:
            _adopt(drop, run, batch, target, done)
        elif run.started_at < timezone.now() - STALE_AFTER:
            _discard(target, batch)
            _end(run, count=0, error="Interrupted")


def _read(target: Any, batch: str, name: str) -> bytes | None:
    try:
        data: bytes | None = target.read(batch, name)
    except Exception:  # an unreachable target: the run stays open until it answers
        return None
    return data


def _adopt(drop: FileDrop, run: FileDropRun, batch: str, target: Any, done: bytes) -> None:
    manifest = _read(target, batch, "manifest.json")
    manifest_sha = hashlib.sha256(manifest).hexdigest() if manifest is not None else ""
    if manifest is None or not done.decode(errors="replace").startswith(manifest_sha):
        logger.error("file drop batch %s has a .done that does not match its manifest", batch)
        return
    listed = json.loads(manifest)["applications"]
    by_public_id = dict(
        Submission.objects.filter(public_id__in=[a["id"] for a in listed]).values_list(
            "public_id", "pk"
        )
    )
    chosen = [
        (by_public_id[UUID(a["id"])], int(a["generation"]))
        for a in listed
        if UUID(a["id"]) in by_public_id
    ]
    with transaction.atomic():
        # Waits for a run still committing in another process, then sees it finished.
        locked = FileDropRun.objects.select_for_update().get(pk=run.pk)
        if locked.finished_at is None:
            _record(drop, run, batch, manifest_sha, chosen)


@dataclass
class _Marker:
    written: bool = False


def _record(
    drop: FileDrop,
    run: FileDropRun,
    batch: str,
    manifest_sha: str,
    chosen: list[tuple[int, int]],
) -> None:
    """The batch's applications, their ledger events, the run and the cursor (in the caller's
    transaction)."""
    ids = [submission_id for submission_id, _ in chosen]
    public_ids = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "public_id"))
    cursor = max(drop.cursor, *ids) if ids else drop.cursor
    actor = events.pseudonym("file_drop", drop.public_id)
    detail = {
        "department": drop.department.code,
        "form": str(drop.form_id),
        "format": f"file_drop:{drop.format}",
        "batch": batch,
        "sha256": manifest_sha,
    }
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
        error="",
    )
    FileDrop.objects.filter(pk=drop.pk).update(cursor=cursor)
    drop.cursor = cursor


def _commit(
    drop: FileDrop,
    run: FileDropRun,
    batch: str,
    manifest_sha: str,
    chosen: list[tuple[int, int]],
    target: Any,
    marker: _Marker,
) -> None:
    with transaction.atomic():
        _record(drop, run, batch, manifest_sha, chosen)
        # Last: if the marker cannot be written the transaction rolls back and the batch goes.
        target.mark_done(batch, f"{manifest_sha}  manifest.json\n".encode())
        marker.written = True
    run.refresh_from_db()
