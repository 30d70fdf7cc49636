"""On the LGWAN node: install the form version a pulled application names when it is missing.

Before, a city published each form version on both nodes by hand, and an application on a
version the LGWAN node lacked stopped the pull. Now the pull fetches the version from the
internet node (``GET forms/{slug}/versions/{number}``, :mod:`.system_forms_api`) and installs
it: the Form under the same city and department (made if the node has none of that slug),
the version under the same number with its definition exactly as published there and its
publication time, and the form's current version moved to it when it is the current one
there and newer than this node's. The city and the department must exist here (their names
and codes are the city's set-up, not pulled). Idempotent: an installed version is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from madoguchi.core import events
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.services import InvalidFormDefinition, parse_schema
from madoguchi.tenants.models import Department, Municipality

from .pulled import MirrorError

if TYPE_CHECKING:
    from .pull import SourceClient

ACTOR = "system:lgwan_pull"


def _named(detail: dict[str, Any]) -> tuple[str, str, int]:
    """(the city's LG code, the form's slug, the version number) of a pulled application."""
    form = detail.get("form") or {}
    slug = form.get("slug") or form.get("id")
    number = form.get("version")
    lg_code = str(detail.get("receipt_number") or "").split("-", 1)[0]
    if not isinstance(slug, str) or not isinstance(number, int) or not lg_code:
        raise MirrorError(f"application {detail.get('id')}: form or version missing")
    return lg_code, slug, number


def ensure_version(client: SourceClient, detail: dict[str, Any]) -> FormVersion:
    """The local version the application was made on, fetched and installed if missing."""
    lg_code, slug, number = _named(detail)
    found = FormVersion.objects.filter(
        form__municipality__lg_code=lg_code, form__slug=slug, number=number
    ).first()
    if found is not None:
        return found
    from .pull import PullError, _code

    path = f"forms/{slug}/versions/{number}"
    response = client.request("GET", path, what=f"form {slug} version {number}")
    if response.status_code != 200:
        raise PullError(
            f"form {slug} version {number}: HTTP {response.status_code} {_code(response)}"
        )
    return install(response.json(), lg_code=lg_code)


def install(source: dict[str, Any], *, lg_code: str) -> FormVersion:
    """Install one version as the internet node gave it (one transaction)."""
    slug = str(source.get("slug") or "")
    number = source.get("number")
    definition = source.get("definition")
    published_at = parse_datetime(str(source.get("published_at") or ""))
    what = f"form {slug} version {number}"
    if str(source.get("municipality")) != lg_code:
        raise MirrorError(f"{what}: the internet node gave another city's form")
    if not isinstance(number, int) or not isinstance(definition, dict) or published_at is None:
        raise MirrorError(f"{what}: number, definition or published_at missing")
    try:
        parse_schema(definition)
    except InvalidFormDefinition:
        raise MirrorError(f"{what}: the definition is not a valid form here") from None
    department_code = str(source.get("department") or "")
    try:
        municipality = Municipality.objects.get(lg_code=lg_code)
        department = Department.objects.get(municipality=municipality, code=department_code)
    except (Municipality.DoesNotExist, Department.DoesNotExist):
        raise MirrorError(
            f"{what}: city {lg_code} or department {department_code} is not set up on this node"
        ) from None
    with transaction.atomic():
        form, _created = Form.objects.get_or_create(
            municipality=municipality,
            slug=slug,
            defaults={"department": department, "category": source.get("category") or {}},
        )
        form = Form.objects.select_for_update().get(pk=form.pk)
        if form.department_id != department.pk:
            raise MirrorError(f"{what}: the form belongs to another department on this node")
        version = FormVersion.objects.filter(form=form, number=number).first()
        if version is not None:
            return version
        version = FormVersion.objects.create(
            form=form, number=number, definition=definition, published_at=published_at
        )
        current = form.current_version
        if source.get("current") and (current is None or current.number < number):
            form.current_version = version
            form.save(update_fields=["current_version"])
        events.record(
            events.Event.FORM_PUBLISHED,
            actor=ACTOR,
            subject=f"form:{form.pk}:v{version.number}",
            detail={"installed": "yes"},
        )
    return version
