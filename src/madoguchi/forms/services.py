"""Writes for forms: creating forms and publishing immutable versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from pydantic import ValidationError

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.tenants.models import Department, Municipality

from . import files
from .models import Form, FormVersion
from .schema import FormSchema


class InvalidFormDefinition(Refused, ValueError):
    """A form file or schema that cannot be published; the message lists what to fix."""

    code = "invalid_form_definition"


def parse_schema(definition: dict[str, Any]) -> FormSchema:
    try:
        return FormSchema.model_validate(definition)
    except ValidationError as error:
        lines = [
            f"{'.'.join(str(p) for p in problem['loc']) or 'schema'}: {problem['msg']}"
            for problem in error.errors()
        ]
        raise InvalidFormDefinition("\n".join(lines)) from error


@transaction.atomic
def publish(*, form: Form, schema: FormSchema, actor: str = "system") -> FormVersion:
    """Publish ``schema`` as the form's next version and make it current.

    Earlier versions stay untouched: submissions made on them keep their meaning.
    """
    locked = Form.objects.select_for_update().get(pk=form.pk)
    latest = locked.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = FormVersion.objects.create(
        form=locked,
        number=latest + 1,
        definition=schema.model_dump(mode="json", exclude_none=True),
        published_at=timezone.now(),
    )
    locked.current_version = version
    locked.save(update_fields=["current_version"])
    form.current_version = version
    events.record(
        events.Event.FORM_PUBLISHED, actor=actor, subject=f"form:{form.pk}:v{version.number}"
    )
    return version


def load_form_file(path: Path) -> dict[str, Any]:
    """Read a form file (YAML or JSON): ``municipality``, ``department``, ``slug``, ``schema``.

    Within the limits of :mod:`madoguchi.forms.files` (size, YAML aliases, nesting).
    """
    try:
        if path.stat().st_size > files.MAX_FILE_BYTES:
            raise files.FormFileRefused(files.TOO_LARGE)
        data = files.parse_form_file(path.read_bytes(), json_only=path.suffix == ".json")
    except files.FormFileRefused as error:
        if error.detail:
            raise InvalidFormDefinition(
                f"{path.name}: not valid YAML/JSON: {error.detail}"
            ) from error
        raise InvalidFormDefinition(f"{path.name}: {error.message}") from error
    except InvalidJapaneseInput as error:
        raise InvalidFormDefinition(f"{path.name}: {error.message}") from error
    if not isinstance(data, dict):
        raise InvalidFormDefinition(f"{path.name}: expected a mapping at the top level")
    missing = [k for k in ("municipality", "department", "slug", "schema") if k not in data]
    if missing:
        raise InvalidFormDefinition(f"{path.name}: missing {', '.join(missing)}")
    return data


@transaction.atomic
def import_form(data: dict[str, Any], *, actor: str = "system") -> FormVersion:
    """Create the form if needed and publish the file's schema as its next version."""
    schema = parse_schema(data["schema"])
    try:
        municipality = Municipality.objects.get(lg_code=str(data["municipality"]))
        department = Department.objects.get(municipality=municipality, code=str(data["department"]))
    except (Municipality.DoesNotExist, Department.DoesNotExist) as error:
        raise InvalidFormDefinition(
            f"unknown municipality/department {data['municipality']}/{data['department']}"
        ) from error
    form, _created = Form.objects.get_or_create(
        municipality=municipality,
        slug=str(data["slug"]),
        defaults={"department": department, "category": data.get("category") or {}},
    )
    return publish(form=form, schema=schema, actor=actor)


def export_form(form: Form) -> dict[str, Any]:
    if form.current_version is None:
        raise InvalidFormDefinition(f"{form} has no published version")
    return {
        "municipality": form.municipality.lg_code,
        "department": form.department.code,
        "slug": form.slug,
        "category": form.category,
        "schema": form.current_version.definition,
    }
