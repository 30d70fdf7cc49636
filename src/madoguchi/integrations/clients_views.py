"""City admin pages for the system API's clients (/staff/integrations/clients/).

Only the city's administrators (the DX office) manage back-office systems; department staff get
403. A new secret is shown once, on the page that answers the POST that made it (never stored,
never in a redirect or the session); the list shows only each secret's last characters.
All pages work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.forms import summary
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, StaffMember, StaffRole

from . import clients_selectors, clients_services
from .models import ClientScope, SystemClient


class DepartmentsField(forms.ModelMultipleChoiceField):
    language = "ja"

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.localized_name(self.language))


class FormsField(forms.ModelMultipleChoiceField):
    language = "ja"

    def label_from_instance(self, obj: Any) -> str:
        return _form_label(obj, self.language)


class ClientForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the system"),
        max_length=100,
        help_text=gettext_lazy("As the city calls it, e.g. 住民記録システム (vendor, site)."),
        error_messages={"required": gettext_lazy("Enter the name of the system.")},
    )
    departments = DepartmentsField(
        label=gettext_lazy("Departments whose applications it receives"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one department.")},
    )
    only_forms = FormsField(
        label=gettext_lazy("Only these forms (optional)"),
        queryset=Form.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every form of the chosen departments."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("What it may do"),
        choices=ClientScope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what the system may do.")},
    )

    def __init__(self, *args: Any, staff: StaffMember, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = self.fields["departments"]
        assert isinstance(departments, DepartmentsField)
        departments.queryset = clients_selectors.departments_of(staff)
        departments.language = language
        chosen_forms = self.fields["only_forms"]
        assert isinstance(chosen_forms, FormsField)
        chosen_forms.queryset = clients_selectors.forms_of(staff)
        chosen_forms.language = language

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        departments = cleaned.get("departments") or []
        chosen = cleaned.get("only_forms") or []
        ids = {d.pk for d in departments}
        if departments and any(f.department_id not in ids for f in chosen):
            self.add_error(
                "only_forms",
                _("Tick only forms of the departments you chose, or tick their department too."),
            )
        return cleaned


def _form_label(form: Form, language: str) -> str:
    version = form.current_version
    title = version.schema.title.get(language) if version is not None else form.slug
    return f"{title} ({form.department.localized_name(language)})"


class RotateForm(forms.Form):
    grace = forms.ChoiceField(
        label=gettext_lazy("The current secret"),
        choices=[
            ("grace", gettext_lazy("Keeps working for 24 hours, while the system switches")),
            ("now", gettext_lazy("Stops now (it leaked); the system's tokens stop too")),
        ],
        widget=forms.RadioSelect,
        initial="grace",
        error_messages={"required": gettext_lazy("Choose what happens to the current secret.")},
    )


class RevokeForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: the system can no longer take applications."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the revocation.")},
    )


def _administrator(request: HttpRequest) -> StaffMember | None:
    staff = staff_of(request)
    return staff if staff.role == StaffRole.MUNICIPALITY_ADMIN else None


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/clients_forbidden.html", status=403)


def _language(request: HttpRequest) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "ja") or "ja").startswith("en") else "ja"


def _client_or_404(staff: StaffMember, pk: int) -> SystemClient:
    client = clients_selectors.client_of(staff, pk)
    if client is None:
        raise Http404
    return client


def _shown_once(
    request: HttpRequest, issued: clients_services.IssuedSecret, *, rotated: bool
) -> HttpResponse:
    response = render(
        request,
        "integrations/clients_secret.html",
        {"client": issued.client, "secret": issued.secret, "rotated": rotated},
        status=201,
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponseBase:
    staff = _administrator(request)
    if staff is None:
        return _forbidden(request)
    return render(
        request,
        "integrations/clients.html",
        {
            "clients": list(clients_selectors.clients_of(staff)),
            "language": _language(request),
            "now": timezone.now(),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponseBase:
    staff = _administrator(request)
    if staff is None:
        return _forbidden(request)
    language = _language(request)
    form = ClientForm(
        request.POST if request.method == "POST" else None, staff=staff, language=language
    )
    refusals: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            issued = clients_services.register_client(
                staff=staff,
                name=form.cleaned_data["name"],
                departments=list(form.cleaned_data["departments"]),
                forms=list(form.cleaned_data["only_forms"]),
                scope=form.cleaned_data["scope"],
            )
        except clients_services.ClientRefused as refused:
            refusals.append(str(refused.message))
        else:
            return _shown_once(request, issued, rotated=False)
    errors = summary(
        form,
        anchors={
            "departments": "id_departments_0",
            "only_forms": "id_only_forms_0",
            "scope": "id_scope_0",
        },
        refusals=refusals,
    )
    return render(
        request,
        "integrations/clients_new.html",
        {"form": form, "errors": errors},
        status=422 if errors else 200,
    )


@staff_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    staff = _administrator(request)
    if staff is None:
        return _forbidden(request)
    client = _client_or_404(staff, pk)
    return _detail(request, client, RotateForm(), RevokeForm(), errors=[])


def _detail(
    request: HttpRequest,
    client: SystemClient,
    rotate_form: RotateForm,
    revoke_form: RevokeForm,
    *,
    errors: list[Any],
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "integrations/clients_detail.html",
        {
            "client": client,
            "rotate_form": rotate_form,
            "revoke_form": revoke_form,
            "errors": errors,
            "language": _language(request),
            "now": timezone.now(),
        },
        status=status,
    )


@staff_required
@require_POST
def client_rotate(request: HttpRequest, pk: int) -> HttpResponseBase:
    staff = _administrator(request)
    if staff is None:
        return _forbidden(request)
    client = _client_or_404(staff, pk)
    form = RotateForm(request.POST)
    refusals: list[str] = []
    if form.is_valid():
        try:
            issued = clients_services.rotate_secret(
                staff=staff, client=client, at_once=form.cleaned_data["grace"] == "now"
            )
        except clients_services.ClientRefused as refused:
            refusals.append(str(refused.message))
        else:
            return _shown_once(request, issued, rotated=True)
    errors = summary(form, anchors={"grace": "id_grace_0"}, refusals=refusals)
    return _detail(request, client, form, RevokeForm(), errors=errors, status=422)


@staff_required
@require_POST
def secret_revoke(request: HttpRequest, pk: int, secret_id: int) -> HttpResponseBase:
    staff = _administrator(request)
    if staff is None:
        return _forbidden(request)
    client = _client_or_404(staff, pk)
    try:
        clients_services.revoke_secret(staff=staff, client=client, secret_id=secret_id)
    except clients_services.ClientRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The secret was revoked. It no longer works."))
    return redirect("integrations:client_detail", pk=client.pk)


@staff_required
@require_POST
def client_revoke(request: HttpRequest, pk: int) -> HttpResponseBase:
    staff = _administrator(request)
    if staff is None:
        return _forbidden(request)
    client = _client_or_404(staff, pk)
    form = RevokeForm(request.POST)
    refusals: list[str] = []
    if form.is_valid():
        try:
            clients_services.revoke_client(staff=staff, client=client)
        except clients_services.ClientRefused as refused:
            refusals.append(str(refused.message))
        else:
            messages.success(
                request,
                _("%(name)s was revoked. Its secrets and tokens no longer work.")
                % {"name": client.name},
            )
            return redirect("integrations:clients")
    errors = summary(form, refusals=refusals)
    return _detail(request, client, RotateForm(), form, errors=errors, status=422)
