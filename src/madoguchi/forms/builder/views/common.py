"""What every builder page needs: the staff member, the form, its draft, the context."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import get_language

from madoguchi.core.staff import staff_of
from madoguchi.tenants.models import StaffMember

from ...models import Form, FormDraft
from .. import selectors, services


def current_language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def form_or_404(request: HttpRequest, form_id: int) -> Form:
    try:
        return selectors.form_for(staff_of(request), form_id)
    except Form.DoesNotExist as error:
        raise Http404 from error


def draft_for(request: HttpRequest, form: Form) -> FormDraft:
    if selectors.can_edit(staff_of(request), form):
        return services.ensure_draft(form=form, staff=staff_of(request))
    draft = selectors.draft_of(form)
    if draft is None:
        if form.current_version is None:
            raise Http404
        # Read-only staff look at the published version; nothing is stored for them.
        return FormDraft(form=form, definition=form.current_version.definition)
    return draft


def require_editable(request: HttpRequest, form: Form) -> None:
    if not selectors.can_edit(staff_of(request), form):
        raise PermissionDenied


def base_context(request: HttpRequest, form: Form | None = None, **extra: Any) -> dict[str, Any]:
    staff = staff_of(request)
    context: dict[str, Any] = {"staff": staff, "language": current_language()}
    if form is not None:
        context |= {"form": form, "can_edit": selectors.can_edit(staff, form)}
    return context | extra


def departments_for(staff: StaffMember) -> list[tuple[int, str]]:
    return [
        (d.pk, d.localized_name(current_language())) for d in selectors.editable_departments(staff)
    ]
