"""Reads for file drops. The department rule lives here, so no page or run can forget it."""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from madoguchi.exports import selectors as export_selectors
from madoguchi.exports.models import ExportProfile
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Status, StatusChange, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from .models import FileDrop, FileDropItem, FileDropRun, SealedSubmission


def may_configure(staff: StaffMember) -> bool:
    """A drop takes personal data out of the system: staff who act (as for exports)."""
    return export_selectors.may_export(staff)


def drops_for(staff: StaffMember) -> QuerySet[FileDrop]:
    """Drops of the departments this staff member sees (administrators: the whole city)."""
    return (
        FileDrop.objects.filter(
            municipality_id=staff.municipality_id, department__in=visible_departments(staff)
        )
        .select_related("form__current_version", "department", "profile")
        .order_by("department__code", "form__slug", "id")
    )


def drop_for(staff: StaffMember, public_id: UUID | str) -> FileDrop:
    """Raises FileDrop.DoesNotExist outside the staff member's departments."""
    try:
        return drops_for(staff).get(public_id=public_id)
    except ValueError as error:  # not a UUID
        raise FileDrop.DoesNotExist from error


def forms_for(staff: StaffMember) -> QuerySet[Form]:
    """Forms a drop may be set up for: the exportable ones."""
    return export_selectors.exportable_forms(staff)


def profiles_for(staff: StaffMember) -> QuerySet[ExportProfile]:
    return (
        ExportProfile.objects.filter(form__in=forms_for(staff))
        .select_related("form")
        .order_by("form__slug", "name")
    )


def recent_runs(drop: FileDrop, *, limit: int = 10) -> list[FileDropRun]:
    return list(FileDropRun.objects.filter(drop=drop).order_by("-started_at", "-id")[:limit])


def enabled_drops(drop_id: int | None = None) -> QuerySet[FileDrop]:
    drops = FileDrop.objects.filter(enabled=True).select_related(
        "municipality", "department", "form", "profile"
    )
    return drops.filter(pk=drop_id) if drop_id is not None else drops.order_by("id")


class Pending(NamedTuple):
    """What a run takes: the applications to drop, and how many sealed ones wait."""

    submissions: list[tuple[int, int]]  # (submission id, generation), oldest first
    sealed: int


def pending(drop: FileDrop, *, limit: int) -> Pending:
    """Applications of the drop's form not yet dropped in their current version.

    The version is the number of resubmissions after 差し戻し: received applications are
    generation 0, each resubmission makes a new one, which is dropped again. Withdrawn
    applications are not dropped. Sealed ones (end-to-end encrypted, unreadable on this
    node) are only counted: the LGWAN node, where they are local and clear, drops them.
    """
    # Counted from the status history, not from corrections: the LGWAN node records a pulled
    # resubmission as a status change too (its copies have no Correction rows).
    resubmissions = (
        StatusChange.objects.filter(submission=OuterRef("pk"), to_status=Status.RESUBMITTED)
        .order_by()
        .values("submission")
        .annotate(count=Count("id"))
        .values("count")
    )
    waiting = (
        Submission.objects.filter(
            municipality_id=drop.municipality_id,
            department_id=drop.department_id,
            form_version__form_id=drop.form_id,
        )
        .exclude(status=Status.WITHDRAWN)
        .annotate(
            generation=Coalesce(Subquery(resubmissions, output_field=IntegerField()), Value(0)),
            sealed=Exists(SealedSubmission.objects.filter(submission=OuterRef("pk"))),
        )
        .exclude(
            Exists(
                FileDropItem.objects.filter(
                    drop=drop, submission=OuterRef("pk"), generation=OuterRef("generation")
                )
            )
        )
    )
    rows = waiting.filter(sealed=False).order_by("submitted_at", "id")
    return Pending(
        submissions=[(i, g) for i, g in rows.values_list("id", "generation")[:limit]],
        sealed=waiting.filter(sealed=True).count(),
    )
