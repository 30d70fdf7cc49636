"""The LGWAN node's pull sources page (/staff/integrations/sources/), read only, for the
city's administrators (the DX office), like the other integration settings: where this node
pulls from, how far it got, the last error, and the status changes waiting to be pushed back
or given up (with the internet node's reason). Works without JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import StaffRole

from . import node, push, sources_selectors


@require_GET
@staff_required
def sources(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if staff.role != StaffRole.MUNICIPALITY_ADMIN:
        return render(request, "integrations/sources_forbidden.html", status=403)
    return render(
        request,
        "integrations/sources.html",
        {
            "states": sources_selectors.source_states(staff),
            "is_lgwan": node.is_lgwan(),
            "refused_prefix": push.REFUSED,
            "shown": sources_selectors.GIVEN_UP_SHOWN,
        },
    )
