"""Staff page of end-to-end encryption (/staff/integrations/keys/), for the city's admins:
the public keys applications are sealed to (with fingerprints to compare with what the LGWAN
node printed), registering a new one (which retires the department's previous key), and the
encryption policy of the city and of each form. Rules live in key_services/key_selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core.forms import SummaryItem, field_errors, summary
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, StaffMember, StaffRole

from . import key_selectors, key_services
from .models import KeyPurpose


class KeyForm(forms.Form):
    GENERAL = gettext_lazy("Public key")

    purpose = forms.ChoiceField(
        label=gettext_lazy("Kind of key"),
        choices=KeyPurpose.choices,
        initial=KeyPurpose.DEPARTMENT,
        error_messages={"required": gettext_lazy("Choose the kind of key.")},
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.none(),
        required=False,
    )
    public_key = forms.CharField(
        label=gettext_lazy("Public key"),
        max_length=400,
        error_messages={
            "required": gettext_lazy("Paste the public key that “madoguchi keys generate” printed.")
        },
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == KeyPurpose.DEPARTMENT and not data.get("department"):
            self.add_error("department", _("Choose the department the key belongs to."))
        return data


def _is_admin(staff: StaffMember) -> bool:
    return staff.role == StaffRole.MUNICIPALITY_ADMIN


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/keys_forbidden.html", status=403)


def _departments(staff: StaffMember) -> Any:
    return Department.objects.filter(municipality_id=staff.municipality_id).order_by("code")


def _page(
    request: HttpRequest,
    staff: StaffMember,
    *,
    form: KeyForm | None = None,
    errors: list[SummaryItem] | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or KeyForm(departments=_departments(staff))
    return render(
        request,
        "integrations/keys.html",
        {
            "keys": key_selectors.keys_of(staff.municipality),
            "policies": key_selectors.policy_rows(staff.municipality),
            "form": form,
            "errors": errors or [],
            "field_errors": field_errors(form if form.is_bound else None),
            "purposes": KeyPurpose.choices,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def keys(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if not _is_admin(staff):
        return _forbidden(request)
    if request.method == "GET":
        return _page(request, staff)
    form = KeyForm(request.POST, departments=_departments(staff))
    if form.is_valid():
        data = form.cleaned_data
        try:
            key = key_services.register_key(
                municipality=staff.municipality,
                purpose=data["purpose"],
                department=data["department"],
                public_key=data["public_key"],
                by=staff,
            )
        except key_services.KeyProblem as problem:
            form.add_error("public_key", str(problem))
        else:
            messages.success(
                request,
                _(
                    "The key was registered. Check that its fingerprint is the one the "
                    "LGWAN node printed: %(fingerprint)s"
                )
                % {"fingerprint": key.fingerprint},
            )
            return redirect("integrations:keys")
    errors = summary(form, general_anchor="public_key", general_label=str(KeyForm.GENERAL))
    return _page(request, staff, form=form, errors=errors, status=422)


@require_POST
@staff_required
def policy(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if not _is_admin(staff):
        return _forbidden(request)
    enabled = request.POST.get("enabled") == "on"
    form_id = request.POST.get("form", "")
    target = None
    if form_id:
        target = Form.objects.filter(pk=form_id, municipality_id=staff.municipality_id).first()
        if target is None:
            messages.error(request, _("This form does not exist or belongs to another city."))
            return redirect("integrations:keys")
    try:
        key_services.set_policy(
            municipality=staff.municipality, form=target, enabled=enabled, by=staff
        )
    except key_services.KeyProblem as problem:
        anchor = f"policy-{target.pk}" if target else "policy-city"
        return _page(
            request,
            staff,
            errors=[SummaryItem(f"#{anchor}", str(_("Encryption")), str(problem))],
            status=422,
        )
    messages.success(
        request,
        _("Encryption is on for new applications.")
        if enabled
        else _("Encryption is off for new applications; sealed ones stay sealed."),
    )
    return redirect("integrations:keys")
