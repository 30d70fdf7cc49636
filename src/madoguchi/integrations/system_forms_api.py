"""The system API's form versions: ``GET /api/v1/system/forms/{slug}/versions/{number}``.

The LGWAN node installs the form version a pulled application names when it lacks it
(:mod:`.version_sync`), so a city publishes a form once, on the internet node. A client sees
the versions of its departments' forms (of its forms only, when it lists any); any other is
not found (404), as an application is. A form definition holds no personal data, so reading
one is not a ledger event about anybody.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Schema

from madoguchi.forms.models import FormVersion

from . import clients_selectors
from .models import SystemClient
from .system_api import Problem, _caller, system_api


class FormVersionOut(Schema):
    municipality: str
    department: str
    slug: str
    number: int
    definition: dict[str, Any]
    published_at: datetime
    current: bool
    category: dict[str, Any]


def version_for(client: SystemClient, slug: str, number: int) -> FormVersion | None:
    """A published version of a form the client may see, else None (a 404)."""
    department_ids, form_ids = clients_selectors._scope(client)
    found = FormVersion.objects.filter(
        form__municipality_id=client.municipality_id,
        form__department_id__in=department_ids,
        form__slug=slug,
        number=number,
    )
    if form_ids is not None:
        found = found.filter(form_id__in=form_ids)
    return found.select_related("form__municipality", "form__department").first()


@system_api.get(
    "/forms/{slug}/versions/{number}",
    response={200: FormVersionOut, 401: Problem, 404: Problem},
    tags=["forms"],
)
def form_version(request: HttpRequest, slug: str, number: int) -> dict[str, Any]:
    """A published version of one of the client's forms, its definition exactly as
    published (to install it on the LGWAN node under the same number)."""
    caller = _caller(request)
    version = version_for(caller.client, slug, number)
    if version is None:
        raise Http404
    form = version.form
    return {
        "municipality": form.municipality.lg_code,
        "department": form.department.code,
        "slug": form.slug,
        "number": version.number,
        "definition": version.definition,
        "published_at": version.published_at,
        "current": form.current_version_id == version.pk,
        "category": form.category or {},
    }
