"""Staff pages. Every page but login requires a password and a verified second factor."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.ratelimit import allow
from madoguchi.forms import rendering
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember

from . import services

PENDING_USER = "madoguchi_pending_staff"


def locked_message() -> str:
    return _(
        "This account is locked after repeated failed attempts. "
        "Try again in 15 minutes or ask your administrator."
    )


View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_verified():  # type: ignore[attr-defined]
            return redirect(f"{_login_url()}?next={request.path}")
        staff = StaffMember.objects.filter(user_id=user.pk).select_related("municipality").first()
        if staff is None:
            raise Http404
        request.staff = staff  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _login_url() -> str:
    return reverse("backoffice:login")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/staff/") and "//" not in target else "/staff/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        if not allow(request, "login"):
            return render(request, "core/too_many_requests.html", status=429)
        outcome = services.check_password(
            request, username=username, password=request.POST.get("password", "")
        )
        if outcome.locked:
            error = locked_message()
        elif outcome.user is None:
            error = _("The user name or password is wrong.")
        else:
            request.session.cycle_key()
            request.session[PENDING_USER] = outcome.user.pk
            if services.confirmed_device(outcome.user) is None:
                return redirect("backoffice:otp_setup")
            return redirect(f"{reverse('backoffice:otp')}?next={_safe_next(request)}")
    return render(
        request,
        "backoffice/login.html",
        {"error": error, "username": username, "next": _safe_next(request)},
        status=401 if error else 200,
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
    error = ""
    if request.method == "POST":
        outcome = services.check_code(staff=staff, device=device, code=request.POST.get("code", ""))
        if outcome.user is not None:
            _complete_login(request, staff, device)
            return redirect(_safe_next(request))
        if outcome.locked:
            request.session.pop(PENDING_USER, None)
        error = (
            locked_message()
            if outcome.locked
            else _(
                "The code is wrong or has expired. "
                "Enter the 6-digit code your authenticator app shows now."
            )
        )
    return render(
        request,
        "backoffice/otp.html",
        {"error": error, "next": _safe_next(request)},
        status=401 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    staff = _pending_staff(request)
    if staff is None:
        return redirect("backoffice:login")
    if services.confirmed_device(staff.user) is not None:
        return redirect("backoffice:otp")
    error = ""
    device = TOTPDevice.objects.filter(user=staff.user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        if services.confirm_enrolment(
            staff=staff, device=device, code=request.POST.get("code", "")
        ):
            _complete_login(request, staff, device)
            return redirect("backoffice:inbox")
        error = _("The code is wrong. Enter the 6-digit code your authenticator app shows now.")
    if device is None:
        device = services.start_enrolment(staff.user)
    secret = b32encode(bytes.fromhex(device.key)).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "backoffice/otp_setup.html",
        {"error": error, "secret": secret, "qr": qr},
        status=401 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("backoffice:login")


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    staff: StaffMember = request.staff  # type: ignore[attr-defined]
    submissions = submission_selectors.inbox_for(staff)
    query = request.GET.get("q", "").strip()
    if query:
        submissions = submissions.filter(
            Q(receipt_number__icontains=query) | Q(applicant_name__icontains=query)
        )
    page = Paginator(submissions, 50).get_page(request.GET.get("page"))
    language = get_language() or "ja"
    titles: dict[int, str] = {}
    rows = []
    for s in page:
        if s.form_version_id not in titles:
            titles[s.form_version_id] = s.form_version.schema.title.get(language)
        rows.append(
            {
                "submission": s,
                "title": titles[s.form_version_id],
                "department": s.department.localized_name(language),
            }
        )
    return render(
        request,
        "backoffice/inbox.html",
        {"staff": staff, "page": page, "rows": rows, "query": query},
    )


@staff_required
def detail(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff: StaffMember = request.staff  # type: ignore[attr-defined]
    try:
        submission = submission_selectors.submission_for_staff(staff, receipt_number)
    except Submission.DoesNotExist as error:
        raise Http404 from error
    services.record_staff_view(staff, submission)
    schema = submission.form_version.schema
    language = get_language() or "ja"
    sections = rendering.answer_sections(schema, submission.answers, answered_only=True)
    field_keys = {f.key for f in schema.fields()}
    return render(
        request,
        "backoffice/detail.html",
        {
            "staff": staff,
            "submission": submission,
            "title": schema.title.get(language),
            "sections": sections,
            "attachments": submission.attachments.all(),
            "identity": submission.identity,
            "prefilled_labels": [
                schema.field(key).label.get(language)
                for key in submission.prefilled_fields
                if key in field_keys
            ],
        },
    )
