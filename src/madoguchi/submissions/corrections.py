"""The resident's side of 差し戻し: check the reopened answers, hold them, resend them.

Staff open a correction with :func:`.workflow.return_for_correction`; the applicant's
link leads here. A resend is one transaction under the submission's row lock, like every
workflow step: the replaced answers go into the correction's history, the new document
into the ledger with the RESUBMITTED status change. A signed form's correction is signed
again (:class:`.signing.Signature`, passed in by the signing app).

A sealed application (end-to-end encryption, :mod:`.sealed`) has no answers here to show or
to check against: its reopened questions are asked afresh, checked on their own, and resent
at once from the correction page (no review page, which would hold the new answers in clear
between the two requests); the resend seals them through the registered correction sealer.
A signed form's sealed application is never returned (:func:`.workflow.check_return`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.forms import answers as form_answers
from madoguchi.forms import conditions, fieldtypes
from madoguchi.forms.schema import FileField, FormField

from . import document, notifications, sealed, services, uploads
from .models import Attachment, Correction, Submission
from .models import Status as S
from .services import hash_token
from .signing import Signature
from .workflow import WorkflowRefused, lock_submission, record_change


@dataclass
class CorrectionResult:
    ok: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    # What the resident typed, to show again when there are errors.
    entered: dict[str, Any] = field(default_factory=dict)
    # The whole corrected set of answers, when ``ok``.
    answers: dict[str, Any] = field(default_factory=dict)
    # A file could not be checked for viruses: nothing is wrong with it (HTTP 503).
    retry_later: bool = False


def open_correction(token: str) -> Correction:
    """The unfinished return for correction behind a link; raises Correction.DoesNotExist."""
    return Correction.objects.select_related(
        "submission__form_version__form", "submission__municipality", "submission__department"
    ).get(token_hash=hash_token(token), resubmitted_at__isnull=True, expires_at__gt=timezone.now())


def needs_signature(correction: Correction) -> bool:
    """A signed form's correction is signed again: the signature covers the new document."""
    return correction.submission.form_version.schema.identity == "mynumber_sign"


def is_sealed(correction: Correction) -> bool:
    """The correction of an application held as ciphertext: asked afresh, resent sealed."""
    return sealed.is_sealed(correction.submission)


def _read_reopened(
    correction: Correction,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    *,
    earlier: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, list[str]], bool]:
    """The raw values of the reopened fields, upload problems, and whether to retry later.

    A valid new file is stored at once (as on a form step), so a resident never picks it
    twice. ``earlier``: the answers a file field falls back to when no file was sent.
    """
    schema = correction.submission.form_version.schema
    raw: dict[str, Any] = {}
    upload_errors: dict[str, list[str]] = {}
    retry_later = False
    for form_field in (schema.field(key) for key in correction.fields):
        if isinstance(form_field, FileField):
            upload = files.get(form_field.key)
            if upload is not None:
                stored = uploads.store_upload(form_field, upload, correction=correction)
                if isinstance(stored, uploads.UploadRefused):
                    upload_errors[form_field.key] = [stored.message]
                    retry_later = retry_later or stored.retry_later
            # A file sent for this correction (now or on an earlier try) waits on the
            # correction; the submission keeps its own until the correction is resent.
            pending = correction.pending_attachments.filter(field_key=form_field.key).first()
            raw[form_field.key] = (
                [pending.descriptor()] if pending is not None else earlier.get(form_field.key, [])
            )
        elif form_field.collects_input:
            raw[form_field.key] = form_answers.raw_from_post(form_field, data)
    return raw, upload_errors, retry_later


def check_correction(
    *, correction: Correction, data: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> CorrectionResult:
    """Validate the resident's corrected answers; ``answers`` is the whole corrected set
    (for a sealed application: the reopened answers only).

    Only the reopened fields are read from the request; everything else, and the answers
    the card fixed, stay as they were.
    """
    if is_sealed(correction):
        return _check_sealed(correction, data, files)
    submission = correction.submission
    schema = submission.form_version.schema
    reopened = [schema.field(key) for key in correction.fields]
    raw, upload_errors, retry_later = _read_reopened(
        correction, data, files, earlier=submission.answers
    )
    locked = {key: submission.answers[key] for key in submission.prefilled_fields}
    result = form_answers.clean_answers(
        schema, raw, fields=reopened, known=submission.answers, locked=locked
    )
    errors = result.errors | upload_errors
    if errors:
        return CorrectionResult(ok=False, errors=errors, entered=raw, retry_later=retry_later)
    whole = form_answers.clean_answers(schema, submission.answers | result.answers, locked=locked)
    if not whole.ok:
        # A reopened answer made another one invalid (e.g. a condition now applies).
        return CorrectionResult(ok=False, errors=whole.errors, entered=raw)
    if not changed_fields(correction, whole.answers):
        # Sending the same answers back would use the link up and fix nothing.
        return CorrectionResult(
            ok=False, errors={correction.fields[0]: [nothing_changed_message()]}, entered=raw
        )
    return CorrectionResult(ok=True, entered=raw, answers=whole.answers)


def _check_sealed(
    correction: Correction, data: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> CorrectionResult:
    """Each reopened answer checked on its own; ``answers`` holds only the reopened ones.

    The other answers exist here only as ciphertext, so two checks of a clear correction
    cannot run: the whole-answers check (conditions and rules across questions) and the
    "nothing changed" check (the earlier answers are unknown, and are not shown either, so
    the resident enters every reopened answer again). Conditions are not applied: staff
    reopened these questions because they apply. Staff on the LGWAN node see the whole
    corrected application once they open it.
    """
    schema = correction.submission.form_version.schema
    raw, errors, retry_later = _read_reopened(correction, data, files, earlier={})
    answers: dict[str, Any] = {}
    for form_field in (schema.field(key) for key in correction.fields):
        if not form_field.collects_input or form_field.key in errors:
            continue
        value = raw.get(form_field.key)
        try:
            cleaned = (
                None
                if form_answers.is_empty(value)
                else form_answers.clean_value(form_field, value)
            )
        except form_answers.FieldInvalid as error:
            errors[form_field.key] = [error.message]
            continue
        if not form_answers.is_empty(cleaned):
            answers[form_field.key] = cleaned
    for form_field in (schema.field(key) for key in correction.fields):
        if _missing(form_field, answers, errors):
            errors[form_field.key] = [fieldtypes.of(form_field).missing_message(form_field)]
    if errors:
        return CorrectionResult(ok=False, errors=errors, entered=raw, retry_later=retry_later)
    return CorrectionResult(ok=True, entered=raw, answers=answers)


def _missing(
    form_field: FormField, answers: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> bool:
    return (
        form_field.collects_input
        and form_field.key not in answers
        and form_field.key not in errors
        and conditions.field_required(form_field, answers)
    )


def nothing_changed_message() -> str:
    return _(
        "You have not changed any of the answers the department asked you to correct. "
        "Change at least one of them, or contact the department if you think nothing "
        "needs changing."
    )


def changed_fields(correction: Correction, answers: Mapping[str, Any]) -> list[str]:
    """The reopened answers that ``answers`` change (a new file counts as a change)."""
    before = correction.submission.answers
    return [key for key in correction.fields if answers.get(key) != before.get(key)]


def recheck_held(correction: Correction) -> CorrectionResult:
    """Check again the answers held for review before they are sent (or signed)."""
    submission = correction.submission
    held = correction.pending_answers
    if not held:
        return CorrectionResult(ok=False)
    locked = {key: submission.answers[key] for key in submission.prefilled_fields}
    whole = form_answers.clean_answers(submission.form_version.schema, held, locked=locked)
    pending = {a.pk for a in correction.pending_attachments.all()}
    named = document.referenced_ids(submission.form_version.schema, held)
    kept = {a.pk for a in submission.attachments.all()}
    if not whole.ok or not named <= pending | kept or not changed_fields(correction, held):
        return CorrectionResult(ok=False, errors=whole.errors)
    return CorrectionResult(ok=True, answers=whole.answers)


@dataclass(frozen=True)
class AnswerChange:
    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class CorrectionHistory:
    """One return for correction as staff read it: labels and readable values."""

    correction: Correction
    changes: list[AnswerChange]


def answer_changes(
    correction: Correction, after: Mapping[str, Any], *, language: str
) -> list[AnswerChange]:
    """Before → after of each reopened answer, as the review page and the receipt show them.

    ``before`` comes from the correction once it is sent, else from the submission.
    """
    schema = correction.submission.form_version.schema
    before = (
        correction.previous_answers
        if correction.resubmitted_at is not None
        else correction.submission.answers
    )
    changes = []
    for key in correction.fields:
        try:
            question = schema.field(key)
        except KeyError:
            continue
        changes.append(
            AnswerChange(
                key=key,
                label=question.label.get(language),
                before=form_answers.display_value(question, before.get(key)),
                after=form_answers.display_value(question, after.get(key)),
            )
        )
    return changes


def correction_history(submission: Submission, *, language: str) -> list[CorrectionHistory]:
    """Every return for correction of ``submission`` with what the applicant changed.

    What a sent correction changed its answers *to* is what the next sent correction kept
    as its ``previous_answers``, or the submission's answers for the latest one.
    """
    corrections = list(submission.corrections.all())
    history = []
    sent = [c for c in corrections if c.resubmitted_at is not None]
    # A sealed application's answers, before and after, are ciphertext here: no changes shown.
    hidden = sealed.is_sealed(submission)
    for correction in corrections:
        if correction.resubmitted_at is None or hidden:
            history.append(CorrectionHistory(correction=correction, changes=[]))
            continue
        later = sent[sent.index(correction) + 1 :]
        after = later[0].previous_answers if later else submission.answers
        history.append(
            CorrectionHistory(
                correction=correction,
                changes=answer_changes(correction, after, language=language),
            )
        )
    return history


def hold_for_signature(*, correction: Correction, answers: dict[str, Any]) -> None:
    """Keep checked answers on the correction while the applicant reviews and signs them.

    Nothing is used up: the link stays valid until the correction is sent.
    """
    Correction.objects.filter(pk=correction.pk).update(pending_answers=answers)
    correction.pending_answers = answers


def apply_correction(
    *,
    correction: Correction,
    answers: dict[str, Any],
    signed: Signature | None = None,
) -> Submission:
    """Resubmit under the same receipt number; the history keeps what was replaced.

    With ``signed``, the new document is exactly the one the applicant signed, and its
    evidence is stored beside the first signature's.
    """
    if needs_signature(correction) and signed is None:
        raise WorkflowRefused(_("This application must be signed again with your card."))
    if is_sealed(correction):
        return _apply_sealed(correction=correction, answers=answers)
    with transaction.atomic():
        current, fresh = _take_correction(correction)
        current.answers = answers
        _settle_files(correction=fresh, submission=current, answers=answers)
        if signed is None:
            services.refresh_document(current)
        else:
            current.document = signed.document.decode("utf-8")
            current.document_sha256 = signed.document_sha256
            current.save(update_fields=["answers", "document", "document_sha256"])
            signed.record(current)  # the evidence and its SIGNED event, before RESUBMITTED
        # The corrected document's hash goes into the ledger, as the first one did.
        change = record_change(
            current,
            S.RESUBMITTED,
            staff=None,
            reason="",
            extra={"document": current.document_sha256},
        )
        transaction.on_commit(lambda: notifications.send_status_update(current, change))
    return current


def _take_correction(correction: Correction) -> tuple[Submission, Correction]:
    """Lock the submission and its correction, refuse a second resend, and keep what the
    correction replaces (a sealed application has no answers here: an empty history)."""
    current = lock_submission(correction.submission)
    fresh = Correction.objects.select_for_update().get(pk=correction.pk)
    if fresh.resubmitted_at is not None or current.status != S.RETURNED:
        raise WorkflowRefused(_("This correction was already sent."))
    fresh.previous_answers = current.answers
    fresh.previous_document_sha256 = current.document_sha256
    fresh.resubmitted_at = timezone.now()
    fresh.pending_answers = {}
    fresh.save(
        update_fields=[
            "previous_answers",
            "previous_document_sha256",
            "resubmitted_at",
            "pending_answers",
        ]
    )
    return current, fresh


def _settle_files(
    *, correction: Correction, submission: Submission, answers: Mapping[str, Any]
) -> None:
    """On resubmission: files sent for the correction that the answers name join the
    submission; the submission's files they replaced leave it for the correction's history
    (``previous_answers`` still names them); other files sent for it are deleted."""
    named = document.referenced_ids(submission.form_version.schema, answers)
    submission.attachments.exclude(pk__in=named).update(submission=None, superseded_by=correction)
    correction.pending_attachments.filter(pk__in=named).update(
        correction=None, submission=submission
    )
    correction.pending_attachments.all().delete()


def _apply_sealed(*, correction: Correction, answers: dict[str, Any]) -> Submission:
    """Resend a sealed application's correction: the reopened answers and new files are
    sealed (:func:`.sealed.seal_correction`) in this transaction, never committed in clear.

    The submission keeps its (empty) answers and its document hash: the corrected document
    is made on the LGWAN node, which holds the other answers. The ledger records the SHA-256
    of what was sealed.
    """
    with transaction.atomic():
        current, fresh = _take_correction(correction)
        schema = current.form_version.schema
        reopened_files = [key for key in fresh.fields if isinstance(schema.field(key), FileField)]
        named = document.referenced_ids(schema, answers)
        # The files of the reopened questions leave the submission for the correction's
        # history; the new ones join it (the others stay as they were).
        current.attachments.filter(field_key__in=reopened_files).exclude(pk__in=named).update(
            submission=None, superseded_by=fresh
        )
        fresh.pending_attachments.filter(pk__in=named).update(correction=None, submission=current)
        fresh.pending_attachments.all().delete()
        added = list(Attachment.objects.filter(pk__in=named, submission=current).order_by("pk"))
        digest = sealed.seal_correction(fresh, answers, added)
        change = record_change(
            current,
            S.RESUBMITTED,
            staff=None,
            reason="",
            extra={"sealed_correction": digest},
        )
        transaction.on_commit(lambda: notifications.send_status_update(current, change))
    return current


def resubmit(
    *, correction: Correction, data: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> CorrectionResult:
    """Check and resubmit a correction that needs no signature."""
    result = check_correction(correction=correction, data=data, files=files)
    if result.ok:
        apply_correction(correction=correction, answers=result.answers)
    return result
