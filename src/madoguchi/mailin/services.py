"""Writes of the mail-in channel: prepare an application for post, expire unposted ones.

Intake when the paper arrives is in ``intake`` (staff side).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import EmailField, FileField, FormSchema
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Draft

from . import payload, sealed
from .models import MailApplication, MailCounter, MailStatus
from .payload import answers_sha256


class SealedAnswersTooLong(submission_services.SubmissionRefused):
    """On a form with encryption on, the answers must fit the paper's QR code: intake reads
    them from there, since this node keeps them only as ciphertext (``mailin.sealed``)."""

    code = "mail_sealed_answers_too_long"
    default_message = gettext_lazy(
        "This form is encrypted, and the answers are too long for the code printed on the "
        "paper, which is how the city reads them without keeping them on this server. "
        "Shorten this answer, or apply online or at the counter."
    )

    def __init__(self, keys: Iterable[str]) -> None:
        super().__init__({key: [str(self.default_message)] for key in keys})


def _longest_answers(schema: FormSchema, answers: Mapping[str, Any]) -> list[str]:
    """The typed answer that takes most room in the code (where shortening helps most)."""
    typed = [
        f.key
        for f in schema.fields()
        if f.collects_input and not isinstance(f, FileField) and answers.get(f.key)
    ]
    if not typed:
        return []
    return [max(typed, key=lambda key: len(str(answers[key]).encode("utf-8")))]


def next_reference(municipality_id: int, lg_code: str, year: int) -> str:
    """Issue the next mail reference ``M-<lg code>-<year>-<sequence>`` in the caller's
    transaction: unique and gap-free per municipality and year, as receipt numbers are
    (one upsert creates or increments the counter and holds its row until commit)."""
    table = MailCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (municipality_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [municipality_id, year],
        )
        (sequence,) = cursor.fetchone()
    return f"M-{lg_code}-{year}-{sequence:06d}"


def prepare_answers(
    *,
    form_version: FormVersion,
    answers: Mapping[str, Any],
    token_hash: str,
    actor: str,
    identity: VerifiedIdentity | None = None,
    prefilled_fields: Iterable[str] = (),
    language: str = "ja",
    detail: Mapping[str, str] | None = None,
    resident_token: str | None = None,
) -> MailApplication:
    """Make a mail application of answers already checked as online submission checks them.

    The one place a mail application is made, whoever asks: a resident's draft
    (:func:`prepare`) or a counter clerk printing the paper for a resident without a phone.
    In the caller's transaction (or its own): the next gap-free reference, the answers and
    their hash, ``MAIL_PREPARED`` by ``actor`` (a pseudonym) with ``detail`` added (codes
    only, e.g. the counter that printed it). ``token_hash`` is the hash of the link that
    opens the application (unique).

    On a form with encryption on (``mailin.sealed``), the answers are stored sealed instead
    (to the department, the city's escrow key and ``resident_token``, the resident's link,
    when there is one), and must fit the paper's QR code: otherwise
    :class:`SealedAnswersTooLong` names the longest answer and nothing is stored.
    """
    sealer = sealed.sealer_for(form_version)
    form = form_version.form
    schema = form_version.schema
    now = timezone.now()
    email = next(
        (
            str(answers[f.key])
            for f in schema.fields()
            if isinstance(f, EmailField) and f.confirmation and answers.get(f.key)
        ),
        "",
    )
    with transaction.atomic():
        application = MailApplication.objects.create(
            municipality_id=form.municipality_id,
            department_id=form.department_id,
            form_version=form_version,
            draft=None,
            reference=next_reference(
                form.municipality_id, form.municipality.lg_code, timezone.localtime(now).year
            ),
            answers={} if sealer else dict(answers),
            answers_sha256=answers_sha256(answers),
            identity=identity,
            prefilled_fields=sorted(key for key in prefilled_fields if key in answers),
            email=email,
            language=language,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(days=settings.MADOGUCHI_MAIL_DAYS),
        )
        if sealer is not None:
            code = payload.encode(reference=application.reference, answers=answers)
            if code.count(".") < 3:  # reference and hash only: the answers did not fit
                raise SealedAnswersTooLong(_longest_answers(schema, answers))
            application.sealed = sealer.seal(
                application=application, answers=answers, resident_token=resident_token
            )
            application.save(update_fields=["sealed"])
        events.record(
            events.Event.MAIL_PREPARED,
            actor=actor,
            subject=events.pseudonym("mail", application.reference),
            detail={
                "reference": application.reference,
                "answers": application.answers_sha256,
                "form": str(form.pk),
                "version": str(form_version.number),
            }
            | dict(detail or {}),
        )
    return application


def prepare(*, draft: Draft, token: str | None = None) -> MailApplication:
    """Turn a completed draft into a mail application with its reference.

    The answers are checked exactly as online submission checks them (the card is
    optional: paper is signed by hand), so an invalid draft raises
    ``submissions.services.SubmissionRefused`` and stays as it was. Otherwise, in one
    transaction: the application (:func:`prepare_answers`) with the identity if the card
    was used, and the draft is finished (deleted, as submitting deletes it). The
    application keeps the draft's link hash, so the link the resident holds opens it.
    Preparing again (a double click, a stale page) returns the same application.
    ``token`` is the resident's link (the draft's), which can open sealed answers again.
    """
    existing = MailApplication.objects.filter(token_hash=draft.token_hash).first()
    if existing is not None:
        return existing
    answers, locked = submission_services.validated_answers(draft=draft, card_optional=True)
    with transaction.atomic():
        # Concurrent requests queue here; the later one finds the application made.
        if not Draft.objects.select_for_update().filter(pk=draft.pk).exists():
            return MailApplication.objects.get(token_hash=draft.token_hash)
        application = prepare_answers(
            form_version=draft.form_version,
            answers=answers,
            token_hash=draft.token_hash,
            actor=(
                events.pseudonym("person", draft.identity.subject) if draft.identity else "resident"
            ),
            identity=draft.identity,
            prefilled_fields=locked,
            language=draft.language,
            resident_token=token,
        )
        draft.delete()
    return application


def send_link(*, application: MailApplication, url: str) -> None:
    """Email the link to the application's page (reference, PDF) if the resident gave an
    address. The answers stay out of email, as for online confirmations."""
    if not application.email:
        return
    language = application.language
    with translation.override(language):
        context = {
            "application": application,
            "title": application.form_version.schema.title.get(language),
            "url": url,
            "expires_on": timezone.localtime(application.expires_at).date(),
        }
        send_mail(
            subject=_("Your mail-in application %(reference)s")
            % {"reference": application.reference},
            message=render_to_string("mailin/email/prepared.txt", context),
            from_email=None,
            recipient_list=[application.email],
        )


def expire_overdue(*, now: datetime | None = None) -> int:
    """Expire awaiting applications past ``expires_at`` (``MAIL_EXPIRED`` each); how many.

    Their answers (clear or sealed) are emptied: an expired application is kept only as its
    reference and hash, so a late paper is recognised and refused with a clear message.
    """
    now = now or timezone.now()
    expired = 0
    overdue = MailApplication.objects.filter(status=MailStatus.AWAITING, expires_at__lt=now)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            application = (
                MailApplication.objects.select_for_update()
                .filter(pk=pk, status=MailStatus.AWAITING)
                .first()
            )
            if application is None:
                continue
            application.status = MailStatus.EXPIRED
            application.answers = {}
            application.sealed = None
            application.email = ""
            application.save(update_fields=["status", "answers", "sealed", "email"])
            events.record(
                events.Event.MAIL_EXPIRED,
                actor="system",
                subject=events.pseudonym("mail", application.reference),
                detail={"reference": application.reference},
            )
            expired += 1
    return expired


def answers_for_paper(
    application: MailApplication, *, resident_token: str | None
) -> dict[str, Any]:
    """The answers to print on the application's paper: stored ones, or sealed ones opened
    with the resident's link. Raises ``ValueError`` when sealed and the link cannot open them
    (a paper printed at a counter: the counter prints it again from its visit)."""
    if application.sealed is None:
        return dict(application.answers)
    opener = sealed.opener()
    if opener is None or not resident_token:
        raise ValueError("the answers are sealed and no key to open them was given")
    return opener.open(application=application, resident_token=resident_token)
