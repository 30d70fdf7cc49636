"""Intake when the envelope arrives (郵送申請の受付): find the paper's application, take it in.

Staff scan the paper's QR code (its text, see :mod:`.payload`) or type its reference
(``M-…``). :func:`find` says which application that is, or refuses with a stable code:
unreadable text, an unknown reference, a paper of another municipality or of a department
the staff member cannot see (the inbox's rule, ``tenants.selectors.visible_departments``), a
paper already taken in, an expired application whose answers the code does not carry, or a
code whose answers hash does not match the application's. :func:`accept` turns it into a
submission through ``submissions.received.submit_received`` and marks it arrived, in one
transaction with ``MAIL_ARRIVED``.

Invariants: an application is taken in at most once (its row is locked, and ``submission``
is set exactly when the status is ``arrived``); the answers taken in are the application's
own, or the code's when the stored ones are gone, and their hash is the one printed; a
change staff copy from the paper is recorded with who made it and why (an internal comment
on the submission) and the event names the changed questions, never their values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.forms import answers as form_answers
from madoguchi.forms.schema import FileField
from madoguchi.submissions import received, workflow
from madoguchi.submissions import sealed as submission_sealed
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import payload, sealed
from .models import MailApplication, MailStatus


class IntakeRefused(Refused):
    """A scanned or typed paper that cannot be taken in."""

    abstract = True


class IntakeNotAllowed(IntakeRefused):
    code = "mail_intake_not_allowed"
    status = 403
    default_message = _("Your role can read applications but not take papers in.")


class UnknownReference(IntakeRefused):
    code = "mail_unknown_reference"
    status = 404
    default_message = _(
        "No mail-in application has this reference. Check the reference printed on the paper."
    )


class OtherMunicipality(IntakeRefused):
    code = "mail_other_municipality"
    status = 403
    default_message = _(
        "This paper is an application to another municipality. Send it on or return it."
    )


class OtherDepartment(IntakeRefused):
    code = "mail_other_department"
    status = 403
    default_message = _(
        "This paper is for a department you do not handle. Pass it to the department in charge."
    )


class AlreadyArrived(IntakeRefused):
    code = "mail_already_arrived"
    status = 409
    default_message = _("This paper was already taken in.")

    def __init__(self, submission: Submission | None) -> None:
        super().__init__()
        self.submission = submission


class Expired(IntakeRefused):
    code = "mail_expired"
    status = 410
    default_message = _(
        "This mail-in application has expired and its code does not carry the answers. "
        "Ask the applicant to apply again."
    )


class SealedNeedsCode(IntakeRefused):
    code = "mail_sealed_needs_code"
    status = 409
    default_message = _(
        "This application is encrypted on this server: its answers are read from the code "
        "on the paper. Scan the code on any page of the paper instead of typing the reference."
    )


class ScanOfSealed(Refused):
    """Not an intake refusal (the paper can be taken in): only its scan is refused."""

    code = "mail_sealed_scan_refused"
    default_message = _(
        "This form is encrypted, so a scan of its paper is not kept on this server (it would "
        "hold the answers in clear). Take the paper in without the scan and keep the paper "
        "with the department."
    )

    def __init__(self) -> None:
        super().__init__(field="paper_scan")


class AnswersMismatch(IntakeRefused):
    code = "mail_answers_mismatch"
    status = 409
    default_message = _(
        "The code on this paper does not match the application with its reference: the "
        "paper may have been altered or made again. Compare the paper with the answers."
    )


@dataclass(frozen=True)
class Found:
    """The application a paper names and the answers to take in."""

    application: MailApplication
    answers: dict[str, Any]
    # True when the answers come from the code on the paper (the stored ones are gone).
    from_paper: bool = False
    # True when the application's answers are sealed here (end-to-end encryption): the
    # stored ones are ciphertext, so the answers shown come from the code.
    sealed: bool = False
    # True when a scan of the paper may not be kept (:func:`scan_refused`).
    no_scan: bool = False


def _read(text: str) -> tuple[str, payload.Payload | None]:
    """The reference and, for a scanned code, what it says; raises a PayloadRefused."""
    typed = text.strip().upper()
    if payload.REFERENCE.fullmatch(typed):
        return typed, None
    read = payload.decode(typed)
    return read.reference, read


def find(*, staff: StaffMember, text: str) -> Found:
    """The application the scanned or typed ``text`` names, if this staff member may take
    it in now; raises a :class:`IntakeRefused` or :class:`.payload.PayloadRefused`."""
    reference, read = _read(text)
    lg_code = reference.split("-")[1]
    if lg_code != staff.municipality.lg_code:
        raise OtherMunicipality
    application = (
        MailApplication.objects.select_related("form_version__form", "submission", "department")
        .filter(reference=reference, municipality_id=staff.municipality_id)
        .first()
    )
    if application is None:
        raise UnknownReference
    if not visible_departments(staff).filter(pk=application.department_id).exists():
        raise OtherDepartment
    if application.status == MailStatus.ARRIVED:
        raise AlreadyArrived(application.submission)
    if read is not None and read.answers_sha256 != application.answers_sha256:
        raise AnswersMismatch
    flags = {"sealed": application.sealed is not None, "no_scan": scan_refused(application)}
    if application.status == MailStatus.EXPIRED or not application.answers:
        if read is None or read.answers is None:
            if application.sealed is not None:
                raise SealedNeedsCode
            raise Expired
        return Found(application=application, answers=read.answers, from_paper=True, **flags)
    return Found(application=application, answers=dict(application.answers), **flags)


def scan_refused(application: MailApplication) -> bool:
    """Whether a scan of this paper may not be stored: the form's answers are sealed now
    (``mailin.sealed``), so the submission will be, and the scan would be its answers in
    clear. (The system API does not carry scans, so the LGWAN node has no use for one.)"""
    return sealed.sealer_for(application.form_version) is not None


@dataclass(frozen=True)
class Change:
    """An answer staff copy from the paper (a handwritten correction), and why."""

    key: str
    value: str
    reason: str


def questions(application: MailApplication) -> list[tuple[str, str]]:
    """The questions a paper answers (key, label), for choosing one to change."""
    schema = application.form_version.schema
    language = "ja"
    return [
        (f.key, f.label.get(language))
        for f in schema.fields()
        if f.collects_input and not isinstance(f, FileField)
    ]


def enclosures(application: MailApplication) -> list[str]:
    """What the form asks to enclose with the paper (the texts staff tick), when it says."""
    schema = application.form_version.schema
    # The checklist printed on the paper, in Japanese as staff read the paper.
    return [item.get("ja") for item in schema.mail.enclosures] if schema.mail else []


def accept(
    *,
    staff: StaffMember,
    text: str,
    received_on: date,
    enclosures_received: Iterable[str] = (),
    change: Change | None = None,
    paper_scan: UploadedFile | None = None,
) -> Submission:
    """Take the paper in: the submission (receipt number, 到達日 ``received_on``, channel
    mail), the application arrived, ``MAIL_ARRIVED`` and any change's comment, at once.

    Checked again under the application's row lock, so two clerks scanning the same paper
    make one submission; the second gets :class:`AlreadyArrived`. A change whose value does
    not pass the question's checks raises ``SubmissionRefused`` naming that question.
    """
    if not staff.can_act:
        raise IntakeNotAllowed
    with transaction.atomic():
        found = find(staff=staff, text=text)
        application = MailApplication.objects.select_for_update().get(pk=found.application.pk)
        if application.status == MailStatus.ARRIVED:
            raise AlreadyArrived(application.submission)
        if paper_scan is not None and scan_refused(application):
            raise ScanOfSealed
        answers: Mapping[str, Any] = found.answers
        changed: list[str] = []
        if change is not None:
            answers = _changed(application, answers, change)
            changed = [change.key]
        submission = received.submit_received(
            form_version=application.form_version,
            answers=answers,
            channel=Channel.MAIL,
            received_on=received_on,
            staff=staff,
            identity=application.identity,
            language=application.language,
            enclosures=enclosures_received,
            paper_scan=paper_scan,
            status_link_hash=application.token_hash,
        )
        now = timezone.now()
        application.status = MailStatus.ARRIVED
        application.arrived_at = now
        application.submission = submission
        update = ["status", "arrived_at", "submission"]
        if submission_sealed.is_sealed(submission):
            # The submission holds them sealed now; no copy of them stays beside it.
            application.answers = {}
            application.sealed = None
            update += ["answers", "sealed"]
        application.save(update_fields=update)
        events.record(
            events.Event.MAIL_ARRIVED,
            actor=events.pseudonym("staff", staff.pk),
            subject=events.pseudonym("mail", application.reference),
            detail={
                "reference": application.reference,
                "submission": events.submission_subject(submission.public_id),
                "answers": application.answers_sha256,
                "document": submission.document_sha256,
                "received_on": received_on.isoformat(),
                "from_paper": "yes" if found.from_paper else "no",
                "changed": ",".join(changed),
                "scan": submission.paper_scan_sha256,
            },
        )
        if change is not None:
            workflow.add_comment(
                submission=submission,
                staff=staff,
                body=gettext("Answer changed from the paper (%(question)s). Reason: %(reason)s")
                % {
                    "question": dict(questions(application)).get(change.key, change.key),
                    "reason": change.reason,
                },
            )
    return submission


def _changed(
    application: MailApplication, answers: Mapping[str, Any], change: Change
) -> dict[str, Any]:
    schema = application.form_version.schema
    field = next((f for f in schema.fields() if f.key == change.key), None)
    if field is None or isinstance(field, FileField) or not field.collects_input:
        raise submission_services.SubmissionRefused(
            {change.key: [gettext("This form has no such question.")]}
        )
    result = form_answers.clean_answers(schema, {change.key: change.value}, fields=[field])
    if not result.ok:
        raise submission_services.SubmissionRefused(result.errors)
    return {**answers, change.key: result.answers.get(change.key, change.value)}
