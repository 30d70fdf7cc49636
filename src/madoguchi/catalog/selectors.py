"""Reads of the procedure inventory (棚卸), with who may see and change what.

The DX office is the city's administrators (StaffRole municipality_admin): they see and review
every procedure of their city. Department staff see their departments' procedures and, unless
read-only, fill them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.tenants.selectors import visible_departments

from .models import Procedure, ReviewState, SealReview


def is_dx_office(staff: StaffMember) -> bool:
    return staff.role == StaffRole.MUNICIPALITY_ADMIN


def editable_departments(staff: StaffMember) -> QuerySet[Department]:
    """The departments whose procedures ``staff`` may create, change, import and submit."""
    if not staff.can_act:
        return Department.objects.none()
    return visible_departments(staff)


def visible_departments_for_filter(staff: StaffMember) -> QuerySet[Department]:
    """The departments the list's filter offers: those whose procedures ``staff`` sees."""
    return visible_departments(staff).order_by("code")


def procedures_for(staff: StaffMember) -> QuerySet[Procedure]:
    """Every procedure ``staff`` may see: the whole city for the DX office, else their own."""
    return (
        Procedure.objects.filter(
            municipality_id=staff.municipality_id, department__in=visible_departments(staff)
        )
        .select_related("department", "form")
        .order_by("procedure_id")
    )


def forms_of(staff: StaffMember) -> QuerySet[Form]:
    """The Madoguchi forms a procedure of ``staff``'s city may name."""
    return Form.objects.filter(municipality_id=staff.municipality_id).order_by("slug")


@dataclass(frozen=True)
class Filters:
    """The inventory list's filters; empty strings mean "any"."""

    department: str = ""
    target: str = ""  # "target" | "excluded"
    channel: str = ""
    review_state: str = ""
    seal_review: str = ""  # a SealReview value, or "pending" (hanko required, not reviewed)


def filtered(procedures: QuerySet[Procedure], filters: Filters) -> QuerySet[Procedure]:
    if filters.department:
        procedures = procedures.filter(department__code=filters.department)
    if filters.target in ("target", "excluded"):
        procedures = procedures.filter(target=filters.target == "target")
    if filters.channel:
        # JSON containment is not on SQLite: a quoted value inside the list's text.
        procedures = procedures.filter(channels__icontains=f'"{filters.channel}"')
    if filters.review_state:
        procedures = procedures.filter(review_state=filters.review_state)
    if filters.seal_review == "pending":
        procedures = procedures.filter(seal_required=True, seal_review=SealReview.NOT_REVIEWED)
    elif filters.seal_review:
        procedures = procedures.filter(seal_review=filters.seal_review)
    return procedures


@dataclass(frozen=True)
class Counts:
    total: int
    target: int
    excluded: int
    draft: int
    submitted: int
    reviewed: int
    seal_required: int
    seal_pending: int
    with_form: int


def counts(procedures: QuerySet[Procedure]) -> Counts:
    """The numbers above the list, of the procedures it shows."""
    totals = procedures.aggregate(
        n_total=Count("pk"),
        n_target=Count("pk", filter=Q(target=True)),
        n_draft=Count("pk", filter=Q(review_state=ReviewState.DRAFT)),
        n_submitted=Count("pk", filter=Q(review_state=ReviewState.SUBMITTED)),
        n_reviewed=Count("pk", filter=Q(review_state=ReviewState.REVIEWED)),
        n_seal_required=Count("pk", filter=Q(seal_required=True)),
        n_seal_pending=Count(
            "pk", filter=Q(seal_required=True, seal_review=SealReview.NOT_REVIEWED)
        ),
        n_with_form=Count("pk", filter=Q(form__isnull=False)),
    )
    values = {name.removeprefix("n_"): value for name, value in totals.items()}
    return Counts(excluded=values["total"] - values["target"], **values)
