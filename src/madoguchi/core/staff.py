"""The staff login gate every staff page uses, and the typed read-back of who passed it.

It lives here, below every app with staff pages (forms' builder, backoffice, exports), so none of
them imports another's views to protect its own. The login page itself belongs to backoffice; this
module only names it by URL name.

Invariant: inside a view wrapped by `staff_required`, `staff_of(request)` returns the signed-in
user's StaffMember (password and second factor both verified). Outside such a view it raises,
so a page that forgot the decorator fails loudly instead of running without a staff member.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from madoguchi.tenants.models import StaffMember

View = Callable[..., HttpResponseBase]

# The attribute the decorator sets on the request; read it only through staff_of().
_ATTRIBUTE = "staff"


def staff_required(view: View) -> View:
    """Let the view run only for a staff member with a verified second factor.

    Anyone else is sent to the staff login with `next` set to this page; a verified user who
    is not a staff member (an administrator without a municipality) gets a 404.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        # is_verified() is added to the user by django_otp's middleware.
        if not user.is_authenticated or not user.is_verified():  # type: ignore[attr-defined]
            return redirect(f"{reverse('backoffice:login')}?next={request.path}")
        staff = StaffMember.objects.filter(user_id=user.pk).select_related("municipality").first()
        if staff is None:
            raise Http404
        setattr(request, _ATTRIBUTE, staff)
        return view(request, *args, **kwargs)

    return wrapper


def staff_of(request: HttpRequest) -> StaffMember:
    """The staff member `staff_required` let through for this request."""
    staff = getattr(request, _ATTRIBUTE, None)
    if not isinstance(staff, StaffMember):
        raise RuntimeError("staff_of() called in a view that is not wrapped by staff_required")
    return staff


def staff_context(request: HttpRequest) -> dict[str, StaffMember]:
    """Template context processor: ``staff`` on every page behind `staff_required`, so the
    staff menu shows without each view passing it (a view's own ``staff`` still wins)."""
    staff = getattr(request, _ATTRIBUTE, None)
    return {"staff": staff} if isinstance(staff, StaffMember) else {}
