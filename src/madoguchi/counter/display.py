"""The resident-facing display of a counter: pairing it to a visit, and the resident's
confirmation of an application on it.

The display is a second browser window on the counter PC, or a tablet, turned towards the
resident. The clerk's screen shows a 6-digit code (:func:`start_pairing`, valid ten
minutes, single use); typed on the display, it pairs the display to the visit
(:func:`pair`), which gets a secret token kept in an HttpOnly cookie (only its hash is
stored). While the visit is open, :func:`visit_for_token` finds it again; a new pairing
replaces the old display, and closing the visit unpairs it.

The clerk puts one application up for confirmation (:func:`show_for_confirmation`, state
CONFIRMING). The display shows its questions and answers, and the resident either
confirms (:func:`confirm`: state CONFIRMED, bound to the SHA-256 of exactly the answers
shown, so any later edit undoes it) or says it is not right (:func:`flag`: back to
EDITING, the clerk's panel says so).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import events
from madoguchi.core.refusals import Refused

from . import services
from .models import ApplicationState, Visit, VisitApplication
from .refusals import AlreadySubmitted, OnPaper, VisitClosed

__all__ = [
    "CODE_MINUTES",
    "DisplayRefused",
    "NotShown",
    "PairingRefused",
    "StaleConfirmation",
    "confirm",
    "flag",
    "hash_token",
    "pair",
    "panel_context",
    "show_for_confirmation",
    "shown_application",
    "start_pairing",
    "unpair",
    "visit_for_token",
]

CODE_MINUTES = 10
CODE_DIGITS = 6


class DisplayRefused(Refused):
    """Something the resident display cannot do."""

    abstract = True


class PairingRefused(DisplayRefused):
    code = "counter_display_code_unknown"
    status = 404
    default_message = _(
        "This code is not valid. Check the 6 digits on the clerk's screen; a code works "
        "once and for 10 minutes. Ask the clerk for a new code if needed."
    )


class NotShown(DisplayRefused):
    code = "counter_display_not_shown"
    status = 409
    default_message = _(
        "This application is no longer shown for confirmation. Wait for the clerk to show it again."
    )


class StaleConfirmation(DisplayRefused):
    code = "counter_display_stale"
    status = 409
    default_message = _(
        "The answers changed while you were reading them. Please read them again and confirm."
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _actor(visit: Visit) -> str:
    return events.pseudonym("staff", visit.clerk_id)


def start_pairing(*, visit: Visit) -> str:
    """A fresh 6-digit code for pairing a display to ``visit``, valid :data:`CODE_MINUTES`.

    The code is unique among open visits' valid codes, so typing it finds one visit only.
    """
    now = timezone.now()
    with transaction.atomic():
        for _attempt in range(20):
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            taken = Visit.objects.filter(
                display_code=code, display_code_expires_at__gt=now, closed_at__isnull=True
            ).exists()
            if not taken:
                break
        else:  # pragma: no cover - a million codes, a few dozen open visits
            raise RuntimeError("no free display code")
        visit.display_code = code
        visit.display_code_expires_at = now + timedelta(minutes=CODE_MINUTES)
        visit.save(update_fields=["display_code", "display_code_expires_at"])
    return code


def pair(*, code: str) -> tuple[Visit, str]:
    """Pair the display that typed ``code``: the visit and the display's secret token.

    The code is used up; a display paired before to the same visit stops working. Raises
    :class:`PairingRefused` for a code that is wrong, used, expired or of a closed visit.
    """
    # A tablet's Japanese keyboard may type full-width digits (１２３４５６).
    code = unicodedata.normalize("NFKC", code).strip()
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise PairingRefused
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update()
            .filter(display_code=code, display_code_expires_at__gt=now, closed_at__isnull=True)
            .first()
        )
        if visit is None:
            raise PairingRefused
        visit.display_code = ""
        visit.display_code_expires_at = None
        visit.display_token_hash = hash_token(token)
        visit.save(update_fields=["display_code", "display_code_expires_at", "display_token_hash"])
        events.record(
            events.Event.COUNTER_DISPLAY_PAIRED,
            actor=_actor(visit),
            subject=events.pseudonym("visit", visit.pk),
            detail={"department": str(visit.department_id)},
        )
    return visit, token


def visit_for_token(token: str) -> Visit | None:
    """The open visit this display token is paired to, or None (unknown, replaced, closed)."""
    if not token:
        return None
    visit = (
        Visit.objects.filter(display_token_hash=hash_token(token), closed_at__isnull=True)
        .select_related("municipality", "department")
        .first()
    )
    # The lookup is by hash; compare again in constant time for form's sake.
    if visit is None or not hmac.compare_digest(visit.display_token_hash, hash_token(token)):
        return None
    return visit


def unpair(*, visit: Visit) -> None:
    """Forget the display paired to ``visit`` and any code waiting to be typed."""
    visit.display_token_hash = ""
    visit.display_code = ""
    visit.display_code_expires_at = None
    visit.save(update_fields=["display_token_hash", "display_code", "display_code_expires_at"])


def shown_application(visit: Visit) -> VisitApplication | None:
    """The application the display shows now: the one put up for confirmation, if any."""
    return (
        visit.applications.filter(state=ApplicationState.CONFIRMING)
        .select_related("form_version__form")
        .first()
    )


def show_for_confirmation(*, application: VisitApplication) -> VisitApplication:
    """Put ``application`` up on the visit's display for the resident to confirm.

    One application at a time: another one shown is taken down (back to EDITING). A
    confirmation given before is withdrawn; the resident confirms what is shown now.
    Raises ``counter.refusals.AlreadySubmitted`` for an accepted or cancelled application.
    """
    with transaction.atomic():
        locked = VisitApplication.objects.select_for_update().get(pk=application.pk)
        if locked.state in (ApplicationState.SUBMITTED, ApplicationState.CANCELLED):
            raise AlreadySubmitted
        if locked.state == ApplicationState.ON_PAPER:
            raise OnPaper
        if application.visit.closed_at is not None:
            raise VisitClosed
        VisitApplication.objects.filter(
            visit_id=locked.visit_id, state=ApplicationState.CONFIRMING
        ).exclude(pk=locked.pk).update(state=ApplicationState.EDITING)
        locked.state = ApplicationState.CONFIRMING
        locked.confirmed_sha256 = ""
        locked.confirmed_at = None
        locked.flagged_at = None
        locked.save(update_fields=["state", "confirmed_sha256", "confirmed_at", "flagged_at"])
    return locked


def _shown(application: VisitApplication) -> VisitApplication:
    locked = VisitApplication.objects.select_for_update().get(pk=application.pk)
    if locked.state != ApplicationState.CONFIRMING:
        raise NotShown
    return locked


def confirm(*, application: VisitApplication, sha256: str) -> VisitApplication:
    """The resident confirms the answers shown, named by their hash (``sha256``, from the
    page they read): CONFIRMED when it is still the hash of the current answers.

    Raises :class:`NotShown` when the application is no longer up for confirmation and
    :class:`StaleConfirmation` when the answers changed since the page was shown.
    """
    with transaction.atomic():
        locked = _shown(application)
        current = services.answers_sha256(locked)
        if not hmac.compare_digest(current, sha256.strip().lower()):
            raise StaleConfirmation
        locked.state = ApplicationState.CONFIRMED
        locked.confirmed_sha256 = current
        locked.confirmed_at = timezone.now()
        locked.flagged_at = None
        locked.save(update_fields=["state", "confirmed_sha256", "confirmed_at", "flagged_at"])
        visit = locked.visit
        events.record(
            events.Event.COUNTER_CONFIRMED,
            actor=_actor(visit),
            subject=events.pseudonym("visit", visit.pk),
            detail={"form": str(locked.form_version.form_id), "answers": current},
        )
    return locked


def flag(*, application: VisitApplication) -> VisitApplication:
    """The resident says the answers shown are not right (「職員に伝える」): the application
    goes back to the clerk (EDITING), whose panel shows that the resident asked."""
    with transaction.atomic():
        locked = _shown(application)
        locked.state = ApplicationState.EDITING
        locked.flagged_at = timezone.now()
        locked.save(update_fields=["state", "flagged_at"])
    return locked


def panel_context(visit: Visit) -> dict[str, Any]:
    """What the clerk's panel ``counter/display_panel.html`` needs, under the one key
    ``display_panel``: pairing (a valid code, paired or not), the card read, and each
    application's confirmation state with the buttons that apply."""
    now = timezone.now()
    code_valid = bool(
        visit.display_code
        and visit.display_code_expires_at is not None
        and visit.display_code_expires_at > now
    )
    applications = list(visit.applications.select_related("form_version__form"))
    return {
        "display_panel": {
            "visit": visit,
            "paired": bool(visit.display_token_hash),
            "code": visit.display_code if code_valid else "",
            "code_expires_at": visit.display_code_expires_at if code_valid else None,
            "reading": bool(
                visit.card_nonce
                and visit.card_nonce_expires_at is not None
                and visit.card_nonce_expires_at > now
            ),
            "card_read": visit.card_checked_at is not None and visit.identity_id is not None,
            "applications": [
                {
                    "application": application,
                    "title": application.form_version.schema.title.get("ja"),
                    "state": application.state,
                    "state_label": application.get_state_display(),
                    "flagged": application.flagged_at is not None,
                    "can_show": application.state
                    in (
                        ApplicationState.EDITING,
                        ApplicationState.CONFIRMING,
                        ApplicationState.CONFIRMED,
                    ),
                    "can_sign": application.state == ApplicationState.CONFIRMED
                    and visit.identity_id is not None,
                    "signing": bool(application.sign_sha256),
                }
                for application in applications
            ],
        }
    }
