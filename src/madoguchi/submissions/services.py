"""Writes for the resident's journey: start, save each step, attach, submit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.core.refusals import FieldError, Refused
from madoguchi.forms import answers as form_answers
from madoguchi.forms import submission_facts
from madoguchi.forms.builder import selectors as builder_selectors
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import EmailField, FileField
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import VerifiedIdentity

from . import after_submit, document, notifications, uploads
from .models import Attachment, Channel, Draft, ReceiptCounter, Submission
from .signing import Signature


class SubmissionRefused(Refused):
    """The application cannot be accepted; ``errors`` maps field keys to messages.

    ``field_errors`` holds the same problems one by one, each with the code
    ``invalid_answer`` (answers are checked by forms.answers, which words but does not
    code its messages).
    """

    code = "invalid_answers"
    default_message = gettext_lazy("Some answers need fixing.")

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(
            field_errors=[
                FieldError(key, "invalid_answer", message)
                for key, messages in errors.items()
                for message in messages
            ]
        )
        self.errors = errors


class FormClosed(Refused):
    """The form does not accept applications now (dates or limit set in the builder)."""

    code = "form_closed"
    status = 409
    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)


class IdentityRequired(Refused):
    """The form needs a verified identity that this channel does not provide."""

    code = "identity_required"
    status = 403
    default_message = gettext_lazy(
        "This form requires identity verification with the My Number Card. "
        "Apply through the online form instead of the API."
    )


# Forms at these levels cannot be submitted without a verified identity.
IDENTITY_LEVELS_NEEDING_CARD = frozenset({"account", "mynumber_auth", "mynumber_sign"})


@dataclass
class StepResult:
    ok: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    # What the resident typed on this step, to show again when there are errors.
    entered: dict[str, Any] = field(default_factory=dict)
    # A file could not be checked for viruses: nothing is wrong with it (HTTP 503).
    retry_later: bool = False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_draft(
    *,
    form_version: FormVersion,
    language: str,
    channel: Channel = Channel.ONLINE,
    from_guide: bool = False,
) -> tuple[Draft, str]:
    """Open a draft; returns it with the secret resume token (only its hash is stored).

    ``channel`` is how the resident chose to send it, one the form offers (the caller checks);
    ``from_guide``: opened from a procedure guide's result (an anonymous flag, analytics).
    """
    token = secrets.token_urlsafe(24)
    draft = Draft.objects.create(
        token_hash=hash_token(token),
        form_version=form_version,
        language=language,
        channel=channel,
        from_guide=from_guide,
        expires_at=timezone.now() + timedelta(days=settings.MADOGUCHI_DRAFT_DAYS),
    )
    return draft, token


def save_step(
    *,
    draft: Draft,
    step_index: int,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    locked: Mapping[str, Any] | None = None,
) -> StepResult:
    """Validate one page and, when it is valid, keep its answers in the draft.

    Valid attachments are stored even when other fields on the page have errors,
    so a resident never has to pick the same file twice.
    """
    schema = draft.form_version.schema
    step = schema.steps[step_index]
    raw: dict[str, Any] = {}
    upload_errors: dict[str, list[str]] = {}
    retry_later = False
    for form_field in step.fields:
        if isinstance(form_field, FileField):
            upload = files.get(form_field.key)
            if upload is not None:
                stored = uploads.store_upload(form_field, upload, draft=draft)
                if isinstance(stored, uploads.UploadRefused):
                    upload_errors[form_field.key] = [stored.message]
                    retry_later = retry_later or stored.retry_later
            kept = [a.descriptor() for a in draft.attachments.filter(field_key=form_field.key)]
            raw[form_field.key] = kept
        elif form_field.collects_input:
            raw[form_field.key] = form_answers.raw_from_post(form_field, data)
    result = form_answers.clean_answers(
        schema, raw, fields=step.fields, known=draft.answers, locked=locked
    )
    errors = result.errors | upload_errors
    if errors:
        return StepResult(ok=False, errors=errors, entered=raw, retry_later=retry_later)
    step_keys = {f.key for f in step.fields}
    draft.answers = {k: v for k, v in draft.answers.items() if k not in step_keys} | result.answers
    draft.typed = {k: v for k, v in draft.typed.items() if k not in step_keys}
    draft.completed_steps = max(draft.completed_steps, step_index + 1)
    draft.save(update_fields=["answers", "typed", "completed_steps", "updated_at"])
    return StepResult(ok=True)


# A typed value kept unchecked is cut at this many characters (a page's own limits are
# checked at 次へ; this only bounds what an invalid page can leave in the draft).
TYPED_MAX_CHARS = 10_000


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value[:TYPED_MAX_CHARS]
    if isinstance(value, list):
        return [_bounded(v) for v in value[:100]]
    if isinstance(value, dict):
        return {str(k)[:20]: _bounded(v) for k, v in list(value.items())[:10]}
    return value


def save_for_later(
    *,
    draft: Draft,
    step_index: int,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    locked: Mapping[str, Any] | None = None,
) -> StepResult:
    """一時保存: keep what the resident typed on this page, valid or not.

    A valid page is saved as by 次へ. On a page with errors, the valid files are stored
    (as always) and the typed values are kept unchecked in ``draft.typed``: the page and
    the resume link show them again, and they are validated at 次へ, before the review
    and at submission. Locked (card) fields are never taken from the request.
    """
    result = save_step(draft=draft, step_index=step_index, data=data, files=files, locked=locked)
    if result.ok:
        return result
    step = draft.form_version.schema.steps[step_index]
    step_keys = {f.key for f in step.fields}
    locked_keys = set(locked or {})
    typed = {
        f.key: _bounded(result.entered.get(f.key))
        for f in step.fields
        if f.collects_input
        and not isinstance(f, FileField)
        and f.key not in locked_keys
        and not form_answers.is_empty(result.entered.get(f.key))
    }
    draft.typed = {k: v for k, v in draft.typed.items() if k not in step_keys} | typed
    draft.save(update_fields=["typed", "updated_at"])
    return result


def send_resume_link(*, draft: Draft, url: str, email: str, language: str) -> None:
    """Email the resume link. The email holds only the link and the procedure's name:
    nothing the resident typed, so a mistyped address leaks no answers."""
    schema = draft.form_version.schema
    form = draft.form_version.form
    context = {
        "title": schema.title.get(language),
        "municipality": form.municipality.localized_name(language),
        "url": url,
        "expires_at": draft.expires_at,
    }
    with translation.override(language):
        subject = _("Your link to continue: %(title)s") % {"title": context["title"]}
        body = render_to_string("submissions/email/resume_link.txt", context)
    send_mail(subject, body, None, [email])


def attach_identity(*, draft: Draft, identity: VerifiedIdentity) -> None:
    """Link a verified identity to a draft and fill in (and lock) what it proves."""
    locked = identity_services.locked_answers(draft.form_version.schema, identity)
    draft.identity = identity
    draft.answers = {**draft.answers, **locked}
    draft.save(update_fields=["identity", "answers", "updated_at"])


def next_receipt_number(municipality_id: int, lg_code: str, year: int) -> str:
    """Issue the next receipt number inside the caller's transaction.

    One upsert both creates the year's counter and increments it. The row stays locked
    until the transaction ends, so concurrent submissions queue and a rolled-back
    submission gives its number back: numbers are unique and gap-free.
    """
    table = ReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (municipality_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [municipality_id, year],
        )
        (sequence,) = cursor.fetchone()
    return f"{lg_code}-{year}-{sequence:06d}"


class SignatureRequired(IdentityRequired):
    """The form needs the resident's signature (My Number Card) on the application."""

    code = "signature_required"


class DocumentChanged(Refused):
    """What the resident signed is no longer what the draft says (an answer or a file changed)."""

    code = "document_changed"
    status = 409
    default_message = gettext_lazy(
        "Your answers changed after you signed. Check them and sign again."
    )


def refresh_document(submission: Submission) -> None:
    """Make (and save) the submission's document again from its current answers and files.

    For a correction: the new document is dated now. A signature covers only the document
    that was signed, so a corrected signed submission no longer re-verifies as signed.
    """
    content = document.stored_document(submission, created_at=timezone.now())
    submission.document = document.canonical_bytes(content).decode("utf-8")
    submission.document_sha256 = document.document_sha256(content)
    submission.save(update_fields=["answers", "document", "document_sha256"])


def create_submission(
    *,
    form_version: FormVersion,
    answers: dict[str, Any],
    channel: Channel,
    language: str,
    identity: VerifiedIdentity | None = None,
    prefilled: list[str] | None = None,
    attachments: Iterable[Attachment] = (),
    signed: Signature | None = None,
    received_on: date | None = None,
    actor: str | None = None,
    started_at: datetime | None = None,
    from_guide: bool = False,
) -> Submission:
    """The one door every channel's submission goes through, inside the caller's transaction:
    the form's dates and limit (under its row lock), the gap-free receipt number, the
    canonical document and the ``SUBMITTED`` event. Answers must already be validated."""
    form = form_version.form
    schema = form_version.schema
    if form.max_submissions is not None:
        # Count under the form's row lock, so concurrent submissions cannot pass the limit.
        Form.objects.select_for_update().filter(pk=form.pk).exists()
    closed = builder_selectors.acceptance_problem(form)
    if closed:
        raise FormClosed(closed)
    now = timezone.now()
    if signed is not None:
        content = signed.document
    else:
        content = document.canonical_bytes(
            document.document_of(
                form_version=form_version, answers=answers, attachments=attachments, created_at=now
            )
        )
    contact_email = next(
        (
            str(answers[f.key])
            for f in schema.fields()
            if isinstance(f, EmailField) and f.confirmation and answers.get(f.key)
        ),
        "",
    )
    name_key = schema.applicant_name_field
    submission = Submission.objects.create(
        receipt_number=next_receipt_number(
            form.municipality_id, form.municipality.lg_code, timezone.localtime(now).year
        ),
        municipality_id=form.municipality_id,
        department_id=form.department_id,
        form_version=form_version,
        channel=channel,
        answers=answers,
        applicant_name=str(answers.get(name_key, ""))[:200] if name_key else "",
        contact_email=contact_email,
        language=language,
        identity=identity,
        identity_level=identity.assurance if identity else "none",
        prefilled_fields=sorted(prefilled or []),
        submitted_at=now,
        started_at=started_at,
        from_guide=from_guide,
        received_on=received_on,
        document=content.decode("utf-8"),
        document_sha256=hashlib.sha256(content).hexdigest(),
    )
    # The facts about the form the hooks ask for, in one query (forms.submission_facts).
    resident = events.pseudonym("person", identity.subject) if identity else "resident"
    with submission_facts.reading(form):
        # Apps above do their reads now, before SUBMITTED locks the ledger's head until commit.
        then = after_submit.prepare(submission)
        events.record(
            events.Event.SUBMITTED,
            actor=actor or resident,
            subject=events.submission_subject(submission.public_id),
            detail={
                "document": submission.document_sha256,
                "form": str(form.pk),
                "version": str(form_version.number),
                "channel": str(channel),
                "signed": "yes" if signed is not None else "no",
            },
        )
        if signed is not None:
            signed.record(submission)  # the evidence and its SIGNED event, after SUBMITTED
        # Apps above add their records (a fee to pay) before the confirmation email reads them.
        after_submit.run(then)
    transaction.on_commit(lambda: notifications.send_confirmation(submission))
    return submission


def _validated(draft: Draft) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft's answers cleaned as they would be submitted, and the locked ones."""
    return validated_answers(draft=draft)


def validated_answers(
    *, draft: Draft, card_optional: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft's answers cleaned exactly as submitting it checks them, and the locked ones.

    Raises :class:`SubmissionRefused` (every problem) and leaves the draft as it is.
    ``card_optional``: a channel that needs no card (mail-in: the paper is signed by hand)
    skips the form's card requirement; a card the resident did use still locks its items.
    """
    schema = draft.form_version.schema
    locked = identity_services.locked_answers(schema, draft.identity)
    needs_card = schema.identity in IDENTITY_LEVELS_NEEDING_CARD and not card_optional
    if needs_card and draft.identity is None:
        raise IdentityRequired
    result = form_answers.clean_answers(schema, draft.answers, locked=locked)
    if not result.ok:
        raise SubmissionRefused(result.errors)
    return result.answers, locked


def draft_document(*, draft: Draft, created_at: datetime) -> dict[str, Any]:
    """The document submitting this draft would create, dated ``created_at``: what the
    resident signs. Raises like :func:`submit_draft` when the draft cannot be sent."""
    answers, _locked = _validated(draft)
    return document.document_of(
        form_version=draft.form_version,
        answers=answers,
        attachments=draft.attachments.all(),
        created_at=created_at,
    )


def submit_draft(
    *,
    draft: Draft,
    channel: Channel = Channel.ONLINE,
    signature: Signature | None = None,
) -> Submission:
    """Turn a completed draft into a submission with a receipt number.

    Answers are validated again against the version the draft was started on, so a
    form published meanwhile cannot change what the resident agreed to. A draft is
    submitted once: a second request for it (a double click) raises Draft.DoesNotExist.

    A form with ``identity: mynumber_sign`` needs ``signature``, a document the resident
    signed and the server verified (a :class:`.signing.Signature`, passed in by the signing
    app, madoguchi.signatures); it must be the exact document of the draft as it is now, or
    :class:`DocumentChanged` is raised. Its evidence is stored in this transaction.
    """
    schema = draft.form_version.schema
    answers, locked = _validated(draft)
    if schema.identity == "mynumber_sign" and signature is None:
        raise SignatureRequired
    with transaction.atomic():
        # Concurrent requests queue here; the later one finds the draft already gone.
        Draft.objects.select_for_update().get(pk=draft.pk)
        attachments = list(draft.attachments.all())
        if signature is not None:
            expected = document.document_of(
                form_version=draft.form_version,
                answers=answers,
                attachments=attachments,
                created_at=signature.created_at,
            )
            if document.canonical_bytes(expected) != signature.document:
                raise DocumentChanged
        submission = create_submission(
            form_version=draft.form_version,
            answers=answers,
            channel=channel,
            language=draft.language,
            identity=draft.identity,
            prefilled=[key for key in locked if key in answers],
            attachments=attachments,
            signed=signature,
            started_at=draft.created_at,
            from_guide=draft.from_guide,
        )
        # Only the files the answers name are the submission's (a file whose question no
        # longer applies is not in the document); the draft takes the others with it.
        draft.attachments.filter(pk__in=document.referenced_ids(schema, answers)).update(
            draft=None, submission=submission
        )
        draft.delete()
    return submission


def submit_answers(
    *, form_version: FormVersion, raw: Mapping[str, Any], language: str
) -> Submission:
    """The API's door: validate answers sent as JSON and submit them in one go."""
    schema = form_version.schema
    if schema.identity != "none":
        raise IdentityRequired
    errors: dict[str, list[str]] = {
        key: [_("This form has no question “%(key)s”.") % {"key": key}]
        for key in form_answers.unknown_keys(schema, raw)
    }
    file_keys = {f.key for f in schema.fields() if isinstance(f, FileField)}
    for key in sorted(file_keys & set(raw)):
        errors[key] = [_("Files cannot be sent through this API. Use the online form.")]
    result = form_answers.clean_answers(
        schema, {k: v for k, v in raw.items() if k not in file_keys}
    )
    errors |= result.errors
    if errors:
        raise SubmissionRefused(errors)
    with transaction.atomic():
        return create_submission(
            form_version=form_version,
            answers=result.answers,
            channel=Channel.ONLINE,
            language=language,
        )
