"""The integrations home (/staff/integrations/): one entry to the four ways applications reach
back-office systems, showing each staff member what their role may use."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import StaffRole


@require_GET
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    return render(
        request,
        "integrations/index.html",
        {"is_admin": staff.role == StaffRole.MUNICIPALITY_ADMIN},
    )
