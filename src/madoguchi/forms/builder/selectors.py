"""Reads for the builder: which forms a staff member may see and edit, templates, limits.

Access rules live here so no builder view can forget them: department staff edit the
forms of their departments, municipality administrators every form of their city,
read-only staff only look; the DX office (administrators) marks templates.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.tenants.selectors import visible_departments

from ..models import Form, FormDraft, FormVersion


def forms_for(staff: StaffMember) -> QuerySet[Form]:
    """Forms this staff member may open in the builder (view at least)."""
    return (
        Form.objects.filter(department__in=visible_departments(staff))
        .select_related("department", "current_version", "draft")
        .order_by("department__code", "slug")
    )


def form_for(staff: StaffMember, form_id: int) -> Form:
    """A form the staff member may see; raises Form.DoesNotExist otherwise."""
    return forms_for(staff).select_related("municipality").get(pk=form_id)


def editable_departments(staff: StaffMember) -> QuerySet[Department]:
    if not staff.can_act:
        return Department.objects.none()
    return visible_departments(staff)


def can_edit(staff: StaffMember, form: Form) -> bool:
    return editable_departments(staff).filter(pk=form.department_id).exists()


def can_mark_templates(staff: StaffMember) -> bool:
    return staff.role == StaffRole.MUNICIPALITY_ADMIN


def templates() -> QuerySet[Form]:
    """Published templates of every municipality on this instance."""
    return (
        Form.objects.filter(is_template=True, current_version__isnull=False)
        .select_related("municipality", "department", "current_version")
        .order_by("municipality__lg_code", "slug")
    )


def draft_of(form: Form) -> FormDraft | None:
    return FormDraft.objects.filter(form=form).select_related("base_version").first()


def versions_of(form: Form) -> QuerySet[FormVersion]:
    return form.versions.order_by("-number")


def submission_count(form: Form) -> int:
    # Submissions belong to the submissions app, which depends on forms, not the reverse.
    submission = apps.get_model("submissions", "Submission")
    count: int = submission.objects.filter(form_version__form=form).count()
    return count


def acceptance_problem(form: Form, *, now: datetime | None = None) -> str | None:
    """Why the form does not accept applications right now, or None when it does.

    Start pages and submission services call this, so the opening and closing dates
    and the submission limit set in the builder hold on every channel.
    """
    now = now or timezone.now()
    if form.opens_at and now < form.opens_at:
        opens = timezone.localtime(form.opens_at).strftime("%Y-%m-%d %H:%M")
        return _("This procedure accepts applications from %(when)s.") % {"when": opens}
    if form.closes_at and now >= form.closes_at:
        return _("The application period for this procedure has ended.")
    if form.max_submissions is not None and submission_count(form) >= form.max_submissions:
        return _("This procedure has reached its limit of applications and accepts no more.")
    return None
