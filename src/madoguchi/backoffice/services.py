"""Staff authentication: password, then a TOTP code.

Every failure looks the same from outside, whatever its reason (unknown name, wrong
password, waiting after repeated failures, locked account): one message, one status, and
the same work, so neither the answer nor its timing tells which names exist. Repeated
failures slow down the client that makes them (:mod:`.login_throttle`); only wrong codes
after a right password, which an outsider cannot reach, lock the account itself.
"""

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
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember

from .login_throttle import Throttle


@dataclass(frozen=True)
class LoginOutcome:
    user: AbstractBaseUser | None
    # The account is locked: the pending login ends (the person is sent back to the password).
    locked: bool = False


def _staff_named(username: str) -> StaffMember | None:
    field = get_user_model().USERNAME_FIELD
    return (
        StaffMember.objects.select_related("user")
        .filter(**{f"user__{field}": username})
        .order_by("pk")
        .first()
    )


def is_locked(staff: StaffMember) -> bool:
    return staff.locked_until is not None and staff.locked_until > timezone.now()


def _record_failure(subject: str) -> None:
    events.record(events.Event.STAFF_LOGIN_FAILED, actor="system", subject=subject)


def check_password(request: HttpRequest, *, username: str, password: str) -> LoginOutcome:
    """First factor. Every failure costs the same: one staff query, one hash, one event.

    ``authenticate`` runs the password hasher for unknown names too (Django hashes the
    password for a throwaway user), so unknown, wrong, waiting and locked all hash once.
    """
    throttle = Throttle.for_name(request, username)
    waiting = throttle.waiting()
    staff = _staff_named(username)
    user = authenticate(request, username=username, password=password)
    if waiting or user is None or staff is None or staff.user_id != user.pk or is_locked(staff):
        throttle.fail()
        # Unknown names get a pseudonym of the same kind, so the ledger does not tell either.
        _record_failure(events.pseudonym("staff", staff.pk if staff else f"name:{username}"))
        return LoginOutcome(user=None)
    throttle.forget()
    return LoginOutcome(user=user)


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _register_code_failure(staff: StaffMember) -> bool:
    """Count a wrong code against the account; lock it at the limit. Returns whether locked."""
    with transaction.atomic():
        fresh = StaffMember.objects.select_for_update().get(pk=staff.pk)
        fresh.failed_logins += 1
        if fresh.failed_logins >= settings.MADOGUCHI_LOGIN_CODE_MAX_FAILURES:
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
        _record_failure(events.pseudonym("staff", fresh.pk))
    return is_locked(fresh)


def check_code(
    request: HttpRequest, *, staff: StaffMember, device: TOTPDevice, code: str
) -> LoginOutcome:
    """Second factor, throttled per client like the password, and counted per account.

    Whoever gets here knows the password, so wrong codes from all clients together lock
    the account (``MADOGUCHI_LOGIN_CODE_MAX_FAILURES``): a stolen password must not buy
    unlimited guesses at six digits from many addresses.
    """
    throttle = Throttle.for_account(request, staff.pk)
    waiting = throttle.waiting()
    right = device.verify_token(code.strip().replace(" ", ""))
    staff.refresh_from_db(fields=["failed_logins", "locked_until"])
    if waiting or not right or is_locked(staff):
        throttle.fail()
        return LoginOutcome(user=None, locked=_register_code_failure(staff))
    throttle.forget()
    StaffMember.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)
    events.record(
        events.Event.STAFF_LOGIN,
        actor=events.pseudonym("staff", staff.pk),
        subject="backoffice",
    )
    return LoginOutcome(user=staff.user)


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


# Opening the same application's detail page again within this many minutes is the same
# visit: every action on the page redirects back to it, and one review would otherwise
# show the resident up to 8 「閲覧」 rows.
VIEW_VISIT_MINUTES = 10


def _viewed_in_this_visit(actor: str, submission: Submission) -> bool:
    since = timezone.now() - timedelta(minutes=VIEW_VISIT_MINUTES)
    return (
        ledger_selectors.entries_about(
            [events.submission_subject(submission.public_id)], [events.Event.STAFF_VIEWED.value]
        )
        .filter(actor=actor, recorded_at__gte=since)
        .exclude(detail__has_key="part")
        .exists()
    )


def record_staff_view(
    staff: StaffMember, submission: Submission, *, part: str = "", files: int = 0
) -> None:
    """A staff member opened an application's personal data (shown in the resident's history).

    ``part`` names what was opened besides the detail page: ``"attachment"`` (a file the
    resident attached), ``"paper_scan"`` (the scan of a paper taken in by post) or
    ``"print"`` (the print view for paper approval). Never the file's
    name: it may hold personal data.

    The detail page counts once per visit (:data:`VIEW_VISIT_MINUTES`): reloads and the
    redirects after each action are not new views. Files and the print view count every time.
    ``files`` counts the attachments the detail page shows inline: those previews are part
    of the page's view (the file URL does not record them again).
    """
    actor = events.pseudonym("staff", staff.pk)
    if not part and _viewed_in_this_visit(actor, submission):
        return
    detail = {"department": acting_department_code(staff, submission), "role": staff.role}
    if part:
        detail["part"] = part
    if files:
        detail["files"] = str(files)
    events.record(
        events.Event.STAFF_VIEWED,
        actor=actor,
        subject=events.submission_subject(submission.public_id),
        detail=detail,
    )
