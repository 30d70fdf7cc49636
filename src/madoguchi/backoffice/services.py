"""Staff authentication: password, then a TOTP code; lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core import events
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember


@dataclass(frozen=True)
class LoginOutcome:
    user: AbstractBaseUser | None
    locked: bool = False


def _staff_for_username(username: str) -> StaffMember | None:
    User = get_user_model()
    try:
        user = User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        return None
    return StaffMember.objects.filter(user=user).first()


def is_locked(staff: StaffMember) -> bool:
    return staff.locked_until is not None and staff.locked_until > timezone.now()


def register_failure(staff: StaffMember) -> bool:
    """Count a failed attempt; lock the account at the limit. Returns whether it is locked."""
    with transaction.atomic():
        fresh = StaffMember.objects.select_for_update().get(pk=staff.pk)
        fresh.failed_logins += 1
        if fresh.failed_logins >= settings.MADOGUCHI_LOGIN_MAX_FAILURES:
            fresh.locked_until = timezone.now() + timedelta(
                minutes=settings.MADOGUCHI_LOGIN_LOCK_MINUTES
            )
            fresh.failed_logins = 0
            events.record(
                events.Event.STAFF_LOCKED,
                actor="system",
                subject=events.pseudonym("staff", fresh.pk),
            )
        fresh.save(update_fields=["failed_logins", "locked_until"])
    staff.refresh_from_db()
    events.record(
        events.Event.STAFF_LOGIN_FAILED, actor="system", subject=events.pseudonym("staff", staff.pk)
    )
    return is_locked(staff)


def check_password(request: HttpRequest, *, username: str, password: str) -> LoginOutcome:
    """First factor. Unknown users and wrong passwords look the same to the caller."""
    staff = _staff_for_username(username)
    if staff is not None and is_locked(staff):
        return LoginOutcome(user=None, locked=True)
    user = authenticate(request, username=username, password=password)
    if user is None or staff is None or staff.user_id != user.pk:
        locked = register_failure(staff) if staff is not None else False
        return LoginOutcome(user=None, locked=locked)
    return LoginOutcome(user=user)


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def check_code(*, staff: StaffMember, device: TOTPDevice, code: str) -> LoginOutcome:
    """Second factor. Failures count towards the same lockout as wrong passwords."""
    if is_locked(staff):
        return LoginOutcome(user=None, locked=True)
    if device.verify_token(code.strip().replace(" ", "")):
        StaffMember.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)
        events.record(
            events.Event.STAFF_LOGIN,
            actor=events.pseudonym("staff", staff.pk),
            subject="backoffice",
        )
        return LoginOutcome(user=staff.user)
    return LoginOutcome(user=None, locked=register_failure(staff))


def start_enrolment(user: AbstractBaseUser) -> TOTPDevice:
    """An unconfirmed TOTP device whose secret the staff member scans into an app."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirm_enrolment(*, staff: StaffMember, device: TOTPDevice, code: str) -> bool:
    if not device.verify_token(code.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    events.record(
        events.Event.STAFF_OTP_ENROLLED, actor=events.pseudonym("staff", staff.pk), subject="totp"
    )
    return True


def acting_department_code(staff: StaffMember, submission: Submission) -> str:
    """The department a staff member acts for on a submission, as the ledger names it.

    Their own membership of the submission's department comes first; a municipality
    administrator outside it is recorded under their first department, or none.
    """
    codes = list(staff.departments.order_by("code").values_list("pk", "code"))
    for department_id, code in codes:
        if department_id == submission.department_id:
            return code
    return codes[0][1] if codes else ""


def record_staff_view(staff: StaffMember, submission: Submission) -> None:
    """A staff member opened an application's personal data (shown in the resident's history)."""
    events.record(
        events.Event.STAFF_VIEWED,
        actor=events.pseudonym("staff", staff.pk),
        subject=events.submission_subject(submission.public_id),
        detail={"department": acting_department_code(staff, submission), "role": staff.role},
    )
