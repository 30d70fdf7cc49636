"""Staff sign-in: password, then the authenticator app's code (set up on first sign-in)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.forms import field_errors, summary
from madoguchi.core.ratelimit import allow
from madoguchi.tenants.models import StaffMember

from .. import services
from ..forms import CodeForm, LoginForm

PENDING_USER = "madoguchi_pending_staff"


def login_failed_message() -> str:
    # One message for every failure, so that it does not tell which user names exist.
    return _(
        "The user name or password is wrong, or there were too many attempts. "
        "Check them and try again in a few minutes; if it still fails, ask your administrator."
    )


def code_failed_message() -> str:
    return _(
        "The code is wrong or has expired, or there were too many attempts. "
        "Enter the 6-digit code your authenticator app shows now; "
        "if it still fails after a few minutes, ask your administrator."
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/staff/") and "//" not in target else "/staff/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if not allow(request, "login"):
            return render(request, "core/too_many_requests.html", status=429)
        outcome = services.check_password(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if outcome.user is None:
            form.add_error("username", login_failed_message())
        else:
            request.session.cycle_key()
            request.session[PENDING_USER] = outcome.user.pk
            if services.confirmed_device(outcome.user) is None:
                return redirect("backoffice:otp_setup")
            return redirect(f"{reverse('backoffice:otp')}?next={_safe_next(request)}")
    return render(
        request,
        "backoffice/login.html",
        {
            "errors": summary(form),
            "field_errors": field_errors(form),
            "username": str(form.data.get("username", "")).strip(),
            "next": _safe_next(request),
        },
        status=401 if form.errors else 200,
    )


def _pending_staff(request: HttpRequest) -> StaffMember | None:
    user_id = request.session.get(PENDING_USER)
    if user_id is None:
        return None
    return StaffMember.objects.select_related("user").filter(user_id=user_id).first()


def _complete_login(request: HttpRequest, staff: StaffMember, device: TOTPDevice) -> None:
    request.session.pop(PENDING_USER, None)
    login(request, staff.user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)


@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    staff = _pending_staff(request)
    if staff is None:
        return redirect("backoffice:login")
    device = services.confirmed_device(staff.user)
    if device is None:
        return redirect("backoffice:otp_setup")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if not allow(request, "login"):
            return render(request, "core/too_many_requests.html", status=429)
        outcome = services.check_code(
            request, staff=staff, device=device, code=form.cleaned_data["code"]
        )
        if outcome.user is not None:
            _complete_login(request, staff, device)
            return redirect(_safe_next(request))
        if outcome.locked:
            request.session.pop(PENDING_USER, None)
        form.add_error("code", code_failed_message())
    return render(
        request,
        "backoffice/otp.html",
        {"errors": summary(form), "field_errors": field_errors(form), "next": _safe_next(request)},
        status=401 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    staff = _pending_staff(request)
    if staff is None:
        return redirect("backoffice:login")
    if services.confirmed_device(staff.user) is not None:
        return redirect("backoffice:otp")
    form = CodeForm(request.POST if request.method == "POST" else None)
    device = TOTPDevice.objects.filter(user=staff.user, confirmed=False).first()
    if form.is_valid() and device is not None:
        if services.confirm_enrolment(staff=staff, device=device, code=form.cleaned_data["code"]):
            _complete_login(request, staff, device)
            return redirect("backoffice:inbox")
        form.add_error(
            "code",
            _("The code is wrong. Enter the 6-digit code your authenticator app shows now."),
        )
    if device is None:
        device = services.start_enrolment(staff.user)
    secret = b32encode(bytes.fromhex(device.key)).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "backoffice/otp_setup.html",
        {
            "errors": summary(form),
            "field_errors": field_errors(form),
            "secret": secret,
            "qr": qr,
        },
        status=401 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("backoffice:login")
