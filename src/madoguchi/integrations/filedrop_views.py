"""Staff pages for file drops (/staff/integrations/drops/). Thin: rules live in
filedrop_selectors and the filedrop services."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from madoguchi.core.forms import field_errors, summary
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms.models import Form
from madoguchi.tenants.models import StaffMember

from . import filedrop
from . import filedrop_selectors as selectors
from .filedrop_forms import DEFAULT_PROFILE, DropForm
from .models import DropFormat, FileDrop, FileDropRun


def _title(form: Form) -> str:
    if form.current_version is None:
        return form.slug
    return form.current_version.schema.title.get(get_language() or "ja")


def _explained(run: FileDropRun | None) -> FileDropRun | None:
    """The run with ``explanation``: what its error means and what to do, in the page's language."""
    if run is None or not run.error:
        return run
    error = run.error
    if error.startswith("TargetInvalid"):
        text = _(
            "The target cannot take files: check that it exists, that Madoguchi may write "
            "there and that it is inside the directories MADOGUCHI_FILEDROP_ROOTS allows."
        )
    elif error == "Interrupted":
        text = _("The run stopped before it finished (a restart?).")
    elif error.startswith("CP932"):
        text = _(
            "Some characters cannot be written in CP932. Set the export profile to replace "
            "them, or have the applications corrected."
        )
    else:
        text = _("The batch could not be written.")
    run.explanation = f"{text} ({error})"  # type: ignore[attr-defined]
    return run


def _drop_or_404(staff: StaffMember, public_id: UUID) -> FileDrop:
    try:
        return selectors.drop_for(staff, public_id)
    except FileDrop.DoesNotExist as error:
        raise Http404 from error


@staff_required
@require_GET
def drop_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    drops = []
    for drop in selectors.drops_for(staff):
        last = selectors.recent_runs(drop, limit=1)
        drops.append(
            {
                "drop": drop,
                "title": _title(drop.form),
                "last": _explained(last[0] if last else None),
            }
        )
    return render(
        request,
        "integrations/filedrop_list.html",
        {"staff": staff, "drops": drops, "may_configure": selectors.may_configure(staff)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def drop_edit(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    staff = staff_of(request)
    drop = _drop_or_404(staff, public_id) if public_id is not None else None
    if not selectors.may_configure(staff):
        return HttpResponseForbidden(_("Your role cannot set up file drops."))
    forms_allowed = selectors.forms_for(staff)
    profiles = selectors.profiles_for(staff)
    initial = (
        {
            "form": drop.form_id,
            "profile": str(drop.profile_id or DEFAULT_PROFILE),
            "format": drop.format,
            "target": drop.target,
            "with_attachments": drop.with_attachments,
            "enabled": drop.enabled,
        }
        if drop
        else {"format": DropFormat.CSV, "with_attachments": True, "enabled": True}
    )
    bound = DropForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        forms_allowed=forms_allowed,
        profiles=profiles,
    )
    if request.method == "POST" and bound.is_valid():
        data = bound.cleaned_data
        try:
            filedrop.save_drop(
                staff=staff,
                values=filedrop.DropSettings(
                    form=data["form"],
                    profile=data["profile"],
                    format=data["format"],
                    target=data["target"],
                    with_attachments=data["with_attachments"],
                    enabled=data["enabled"],
                ),
                drop=drop,
            )
        except filedrop.DropNotAllowed as refused:
            raise Http404 from refused
        return redirect("integrations:drops")
    errors = summary(bound, anchors=DropForm.ANCHORS) if request.method == "POST" else []
    values = bound.data if request.method == "POST" else initial
    return render(
        request,
        "integrations/filedrop_form.html",
        {
            "staff": staff,
            "drop": drop,
            "title": _title(drop.form) if drop else "",
            "forms": [{"form": f, "title": _title(f)} for f in forms_allowed],
            "profiles": profiles,
            "format_choices": DropFormat.choices,
            "values": {
                k: str(v) for k, v in values.items() if k not in ("with_attachments", "enabled")
            },
            "with_attachments": bool(values.get("with_attachments")),
            "enabled": bool(values.get("enabled")),
            "runs": [_explained(r) for r in selectors.recent_runs(drop)] if drop else [],
            "errors": errors,
            "field_errors": field_errors(bound) if errors else {},
        },
        status=422 if errors else 200,
    )
