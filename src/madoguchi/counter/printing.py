"""Printing at the counter: the mail-in paper of a procedure filled in a visit.

For a resident without a phone (issue 15 item 5) and for a procedure the law wants signed
by hand (自署, ``MailSettings.handwritten_signature``; issue 16 item 4), the clerk prints the
SAME paper a resident makes at home: a mail application (``mailin``) with its ``M-``
reference, made of the visit application's answers by ``mailin.services.prepare_answers``,
and its PDF (``mailin.pdf``). The resident signs it and posts it or hands it over; either
way it is taken in through the mail-in intake (``/staff/mail/``), which scans its code and
keeps a scan of the signed paper.

Invariants: a paper is made only of answers that pass the form again (as paper intake
checks them: no file questions, the card's items locked); printing the same answers in the
same language again gives the same paper (same reference), while changed answers give a
new one. The application's link hash is a keyed hash nobody holds the link of: the paper
has no resident page. ``MAIL_PREPARED`` names the clerk and the counter.

Once printed, the application continues on paper (state ``on_paper``, its ``paper``
recorded), whether the paper is for a handwritten signature or for the resident to post:
either paper carries a code mail-in intake takes in, so accepting the application at the
counter too would make a second submission. The counter refuses to change or accept it
(``counter_on_paper``); printing it again, in either language, prints that same paper
(one reference, so intake can take it in only once).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.mailin import services as mail_services
from madoguchi.mailin.models import MailApplication
from madoguchi.mailin.payload import answers_sha256
from madoguchi.mailin.pdf import render as render_paper
from madoguchi.tenants.models import StaffMember

from . import assisted
from .models import ApplicationState, Assurance, VisitApplication
from .refusals import CounterNotAllowed, VisitClosed

LANGUAGES = ("ja", "en")


class PrintRefused(Refused):
    """The paper of a visit application cannot be printed."""

    abstract = True


class MailNotOffered(PrintRefused):
    code = "counter_print_not_offered"
    status = 409
    default_message = gettext_lazy(
        "This procedure is not offered by post, so there is no paper to print for it."
    )


class AnswersToFix(PrintRefused):
    code = "counter_print_answers_invalid"
    status = 422
    default_message = gettext_lazy(
        "Some answers of this application do not pass the form. Correct them with the "
        "resident, then print again."
    )


class AlreadyDone(PrintRefused):
    code = "counter_print_already_done"
    status = 409
    default_message = gettext_lazy(
        "This application was already accepted or cancelled; there is nothing to print."
    )


def offers_paper(application: VisitApplication) -> bool:
    return "mail" in application.form_version.schema.channels


def needs_handwritten_signature(application: VisitApplication) -> bool:
    mail = application.form_version.schema.mail
    return offers_paper(application) and bool(mail and mail.handwritten_signature)


def _paper_key(application: VisitApplication, answers_sha256: str, language: str) -> str:
    """The paper's link hash: keyed, so no link opens it, and the same for the same answers."""
    message = f"counter-paper:{application.pk}:{answers_sha256}:{language}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _checked(application: VisitApplication, clerk: StaffMember) -> dict[str, Any]:
    visit = application.visit
    if not clerk.can_act:
        raise CounterNotAllowed
    if visit.closed_at is not None:
        raise VisitClosed
    if application.state in (ApplicationState.SUBMITTED, ApplicationState.CANCELLED):
        raise AlreadyDone
    if not offers_paper(application):
        raise MailNotOffered
    schema = application.form_version.schema
    result = assisted.clean(visit, schema, application.answers)
    if not result.ok:
        raise AnswersToFix
    return result.answers


def existing_paper(
    *, application: VisitApplication, language: str = "ja"
) -> MailApplication | None:
    """The paper printed for the application, if any: the one it continues on, else the one
    made for its current answers in ``language``."""
    if application.paper is not None:
        return application.paper
    answers = assisted.clean(
        application.visit, application.form_version.schema, application.answers
    ).answers
    key = _paper_key(application, answers_sha256(answers), language)
    return MailApplication.objects.filter(token_hash=key).first()


def paper_for(
    *, application: VisitApplication, clerk: StaffMember, language: str = "ja"
) -> MailApplication:
    """The mail application to print for a visit's procedure, made once per answers.

    Refuses (:class:`PrintRefused`, ``CounterNotAllowed``, ``VisitClosed``) when it cannot
    be printed; otherwise the paper of the current answers, made now (``MAIL_PREPARED`` by
    the clerk, naming the counter) or found again.
    """
    if language not in LANGUAGES:
        raise ValueError(f"paper language {language!r} is not one of {LANGUAGES}")
    answers = _checked(application, clerk)
    key = _paper_key(application, answers_sha256(answers), language)
    with transaction.atomic():
        # Two clicks on 印刷 queue here; the later one finds the paper made.
        locked = VisitApplication.objects.select_for_update().get(pk=application.pk)
        # Printed before (in either language): the same paper again, never a second
        # reference that intake could take in a second time.
        paper = (
            locked.paper
            or MailApplication.objects.filter(token_hash=key).first()
            or _prepare(application, clerk, answers=answers, key=key, language=language)
        )
        _continue_on_paper(application, paper)
        return paper


def _continue_on_paper(application: VisitApplication, paper: MailApplication) -> None:
    """The application continues on the printed paper (``on_paper``): the signed paper is
    taken in at mail-in intake, so the counter no longer changes or accepts it (one paper,
    one submission). A confirmation given on the display is withdrawn with it."""
    application.state = ApplicationState.ON_PAPER
    application.paper = paper
    application.confirmed_sha256 = ""
    application.confirmed_at = None
    application.sign_sha256 = ""
    application.sign_created_at = None
    application.save(
        update_fields=[
            "state",
            "paper",
            "confirmed_sha256",
            "confirmed_at",
            "sign_sha256",
            "sign_created_at",
        ]
    )


def _prepare(
    application: VisitApplication,
    clerk: StaffMember,
    *,
    answers: dict[str, Any],
    key: str,
    language: str,
) -> MailApplication:
    visit = application.visit
    card = visit.assurance == Assurance.CARD
    return mail_services.prepare_answers(
        form_version=application.form_version,
        answers=answers,
        token_hash=key,
        actor=events.pseudonym("staff", clerk.pk),
        identity=visit.identity if card else None,
        prefilled_fields=assisted.locked_answers(visit, application.form_version.schema),
        language=language,
        detail={
            "channel": "counter",
            "visit": events.pseudonym("visit", visit.pk),
            "counter": visit.counter_name,
        },
    )


def pdf(
    paper: MailApplication,
    *,
    language: str | None = None,
    application: VisitApplication | None = None,
) -> bytes:
    """The paper's PDF, exactly as the resident's own download (``mailin.pdf``), in
    ``language`` when given (the same reference and code in either language).

    A paper of a form with encryption on keeps its answers sealed (``mailin.sealed``) with no
    resident link to open them: it is printed again from ``application``, the open visit's
    answers (the same answers: their hash is checked against the paper's)."""
    if paper.sealed is None:
        return render_paper(paper, language=language)
    if application is None:
        raise ValueError("a sealed paper is printed again from its visit application")
    answers = assisted.clean(
        application.visit, application.form_version.schema, application.answers
    ).answers
    return render_paper(paper, language=language, answers=answers)
