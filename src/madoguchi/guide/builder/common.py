"""What every guide builder page needs: the administrator, the guide, posted text, problems."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import get_language

from madoguchi.core.staff import staff_of
from madoguchi.forms import selectors as form_selectors
from madoguchi.tenants.models import StaffMember, StaffRole

from .. import selectors
from ..models import Guide
from . import edits
from .problems import Problem


def current_language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def administrator(request: HttpRequest) -> StaffMember:
    staff = staff_of(request)
    # The same people as the YAML editor: a guide spans departments, so administrators.
    if staff.role != StaffRole.MUNICIPALITY_ADMIN:
        raise Http404
    return staff


def guide_or_404(staff: StaffMember, slug: str) -> Guide:
    try:
        return selectors.guides_of(staff.municipality).get(slug=slug)
    except Guide.DoesNotExist as error:
        raise Http404 from error


def text_pair(posted: QueryDict, name: str) -> dict[str, str] | None:
    return edits.localized(posted.get(name, ""), posted.get(f"{name}_en", ""))


def pair_values(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("ja") or ""), str(value.get("en") or "")
    return (str(value), "") if value else ("", "")


def summary(errors: dict[str, str], *, prefix: str = "") -> list[dict[str, str]]:
    return [{"id": f"{prefix}{field}", "message": message} for field, message in errors.items()]


def problem_errors(problems: list[Problem], *, key: str, prefix: str) -> dict[str, str]:
    """Problems as ``{input id: message}`` for the form that made ``key`` (or the settings)."""
    errors: dict[str, str] = {}
    for problem in problems:
        if problem.key and problem.key != key:
            field = "general"
        else:
            field = f"{prefix}{problem.field or 'general'}"
        errors.setdefault(field, problem.message)
    return errors


def form_choices(staff: StaffMember, language: str) -> list[dict[str, Any]]:
    found = []
    for form in form_selectors.published_forms(staff.municipality):
        if not edits.is_form_slug(form.slug):
            continue
        assert form.current_version is not None
        schema = form.current_version.schema
        found.append(
            {
                "slug": form.slug,
                "title": schema.title.get(language),
                "title_value": schema.title.model_dump(exclude_none=True),
                "department": form.department.localized_name(language),
                "channels": [str(edits.CHANNELS[c]) for c in schema.channels],
            }
        )
    return found


def channels_of(guide: Guide, procedure: dict[str, Any]) -> list[str]:
    if procedure.get("form"):
        found = selectors.form_channels(lg_code=guide.municipality.lg_code, slug=procedure["form"])
        return [str(edits.CHANNELS.get(c, c)) for c in found]
    return [str(edits.CHANNELS.get(str(procedure.get("channel")), ""))]
