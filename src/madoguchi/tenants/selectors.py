from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Department, Municipality, StaffMember, StaffRole


def municipality_by_code(lg_code: str) -> Municipality:
    return Municipality.objects.get(lg_code=lg_code)


def visible_departments(staff: StaffMember) -> QuerySet[Department]:
    """Departments whose data this staff member may see: the rule every inbox query uses."""
    if staff.role == StaffRole.MUNICIPALITY_ADMIN:
        return Department.objects.filter(municipality_id=staff.municipality_id)
    return staff.departments.filter(municipality_id=staff.municipality_id)


def staff_who_can_act(municipality_id: int, department_ids: list[int]) -> QuerySet[StaffMember]:
    """Who can be given work in these departments: their staff and the city's administrators.

    Read-only staff cannot act on a submission, so they are never offered as an assignee.
    """
    return (
        StaffMember.objects.filter(municipality_id=municipality_id, user__is_active=True)
        .filter(
            Q(role=StaffRole.MUNICIPALITY_ADMIN)
            | Q(role=StaffRole.DEPARTMENT_STAFF, departments__in=department_ids)
        )
        .select_related("user")
        .distinct()
        .order_by("user__last_name", "user__first_name", "user__username")
    )
