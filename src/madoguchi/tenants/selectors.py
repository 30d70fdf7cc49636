from __future__ import annotations

from django.db.models import QuerySet

from .models import Department, Municipality, StaffMember, StaffRole


def municipality_by_code(lg_code: str) -> Municipality:
    return Municipality.objects.get(lg_code=lg_code)


def visible_departments(staff: StaffMember) -> QuerySet[Department]:
    """Departments whose data this staff member may see: the rule every inbox query uses."""
    if staff.role == StaffRole.MUNICIPALITY_ADMIN:
        return Department.objects.filter(municipality_id=staff.municipality_id)
    return staff.departments.filter(municipality_id=staff.municipality_id)
