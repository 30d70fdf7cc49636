"""On the LGWAN node: a pulled application becomes (or updates) a local Submission.

The local row keeps the internet node's public id, receipt number, form version (found by
the city's LG code, the form's slug and the version number; one missing here is installed
from the internet node first, :mod:`.version_sync`), status, submission time, canonical
document and attachments, so the whole back office (inbox, detail, workflow, exports) works on
it as on any other. Everything of one
application is written in one transaction: a failure leaves the node as it was.

A return for correction made here is taken by the internet node (:mod:`.push`); when the
resident resends it there, the pull brings the corrected answers (opened with this node's
keyring when sealed) and they are applied to the local submission through the LGWAN node's
own open Correction (submissions.corrections.apply_correction): the replaced answers go into
the correction's history, the local document is made again, the status becomes RESUBMITTED
(a change without a staff actor, so not pushed back). A return made on the internet node (its
staff, another back-office system) gets a Correction here when its resend is applied, for
the same history. Every resend not applied yet is applied, oldest first: several can wait
when they were resent between two runs or before this node first pulled the application
(:func:`_catch_up`). Each is applied once (``MirroredCorrection``).

The receipt number is the internet node's: the LGWAN node never issues numbers of its own
for pulled applications (its ReceiptCounter is not touched). The local copy has no contact
email: residents are emailed by the internet node only, whose status links they can open.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import corrections, document, services, workflow
from madoguchi.submissions.models import Attachment, Channel, Correction, Status, Submission

from . import feed, push
from .models import MirroredCorrection, MirroredSubmission, PendingPush, PullSource


class MirrorError(Exception):
    """The pulled application cannot be stored here. The message names ids and codes only."""


@dataclass(frozen=True)
class PulledFile:
    remote_id: int
    field: str
    name: str
    size: int
    content_type: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class PulledCorrection:
    """The resident's resend of a correction on the internet node, opened: the reopened
    answers (files named by the internet node's ids) and the files the correction added."""

    remote_id: str
    answers: dict[str, Any]
    files: list[PulledFile] = field(default_factory=list)
    # The questions it reopened, as the internet node has them.
    fields: list[str] = field(default_factory=list)
    # Why it was returned (the applicant reads it), and when it was returned and resent there.
    reason: str = ""
    requested_at: datetime | None = None
    resubmitted_at: datetime | None = None


@dataclass
class Pulled:
    """One application as the system API gave it, decrypted, its files downloaded."""

    public_id: str
    receipt_number: str
    status: str
    form_slug: str
    form_version: int
    channel: str
    submitted_at: datetime
    answers: dict[str, Any]
    document: str
    document_sha256: str
    applicant_name: str = ""
    language: str = "ja"
    files: list[PulledFile] = field(default_factory=list)
    # The resent corrections not applied here yet, oldest first.
    corrections: list[PulledCorrection] = field(default_factory=list)
    # Sealed: ``answers``, ``document`` and ``files`` are the application as first submitted
    # (each resent correction comes sealed apart). Clear: as they stand now, corrections
    # included.
    sealed: bool = False
    # The reason of the return open on the internet node (status RETURNED there), if any.
    return_reason: str = ""

    @classmethod
    def from_api(
        cls,
        detail: dict[str, Any],
        *,
        answers: dict[str, Any],
        document: str,
        applicant_name: str,
        files: list[PulledFile],
    ) -> Pulled:
        form = detail.get("form") or {}
        submitted_at = parse_datetime(str(detail.get("submitted_at") or ""))
        version = form.get("version")
        slug = form.get("slug") or form.get("id")
        if submitted_at is None or not isinstance(version, int) or not isinstance(slug, str):
            raise MirrorError(
                f"application {detail.get('id')}: form, version or submitted_at missing"
            )
        return cls(
            public_id=str(detail["id"]),
            receipt_number=str(detail["receipt_number"]),
            status=str(detail["status"]),
            form_slug=slug,
            form_version=version,
            channel=str(detail.get("channel") or Channel.ONLINE),
            submitted_at=submitted_at,
            answers=answers,
            document=document,
            document_sha256=str(detail.get("document_sha256") or ""),
            applicant_name=applicant_name,
            language=str(detail.get("language") or "ja"),
            files=files,
        )


def _form_version(pulled: Pulled) -> FormVersion:
    lg_code = pulled.receipt_number.split("-", 1)[0]
    found = (
        FormVersion.objects.select_related("form__municipality", "form__department")
        .filter(
            form__municipality__lg_code=lg_code,
            form__slug=pulled.form_slug,
            number=pulled.form_version,
        )
        .first()
    )
    if found is None:
        raise MirrorError(
            f"application {pulled.public_id}: form {pulled.form_slug} version "
            f"{pulled.form_version} of {lg_code} is not published on this node"
        )
    return found


def _applicant_name(form_version: FormVersion, pulled: Pulled) -> str:
    """As the internet node had it (sealed), else from the answers as submitting makes it."""
    if pulled.applicant_name:
        return pulled.applicant_name[:200]
    key = form_version.schema.applicant_name_field
    return str(pulled.answers.get(key, ""))[:200] if key else ""


def _with_local_file_ids(
    answers: dict[str, Any], ids: dict[int, int], *, known_only: bool = False
) -> dict[str, Any]:
    """The answers with each file descriptor's id turned into the local attachment's id, so
    the back office finds the files (the document keeps the internet node's, as signed).
    ``known_only``: a file not here (no longer served) keeps its name but loses its id, so
    it cannot name another file of this node."""
    result: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, list) and all(
            isinstance(item, dict) and isinstance(item.get("id"), int) for item in value
        ):
            result[key] = [
                item | {"id": ids[item["id"]]}
                if item["id"] in ids
                else ({k: v for k, v in item.items() if k != "id"} if known_only else item)
                for item in value
            ]
        else:
            result[key] = value
    return result


def check_document(pulled: Pulled) -> None:
    """The document must be the one the internet node recorded, and every file its hash."""
    digest = hashlib.sha256(pulled.document.encode("utf-8")).hexdigest()
    if not pulled.document_sha256 or digest != pulled.document_sha256:
        raise MirrorError(f"application {pulled.public_id}: document SHA-256 differs")
    extra = [item for resent in pulled.corrections for item in resent.files]
    for item in [*pulled.files, *extra]:
        if hashlib.sha256(item.content).hexdigest() != item.sha256 or len(item.content) != (
            item.size
        ):
            raise MirrorError(
                f"application {pulled.public_id}: attachment {item.remote_id} SHA-256 differs"
            )


def has_unsent_changes(submission: Submission) -> bool:
    return push.waiting([submission.pk]).exists()


def store(*, source: PullSource, pulled: Pulled, cursor: int) -> tuple[Submission, bool]:
    """Create or update the local copy of ``pulled`` in one transaction; (it, created).

    A status changed on the internet node (the resident withdrew, another system decided)
    is recorded as a change without a staff actor, so it is not pushed back. While a change
    made here waits to be pushed, the local status wins: the push will tell the internet
    node; a refused push is given up and the internet node's status taken back (:mod:`.push`).
    """
    check_document(pulled)
    if pulled.status not in Status.values:
        raise MirrorError(f"application {pulled.public_id}: unknown status {pulled.status}")
    form_version = _form_version(pulled)
    now = timezone.now()
    with transaction.atomic():
        mirror = (
            MirroredSubmission.objects.select_for_update()
            .filter(remote_public_id=pulled.public_id)
            .first()
        )
        if mirror is not None and mirror.source_id != source.pk:
            raise MirrorError(
                f"application {pulled.public_id} is already pulled from another source"
            )
        if mirror is None:
            submission, ids = _create(pulled, form_version)
            MirroredSubmission.objects.create(
                source=source,
                submission=submission,
                remote_public_id=pulled.public_id,
                pulled_at=now,
                remote_cursor=cursor,
                remote_document_sha256=pulled.document_sha256,
            )
            if pulled.corrections:
                submission = _catch_up(submission, pulled, ids)
                if submission.status != pulled.status:
                    _take_status(submission, pulled)
            return submission, True
        submission = workflow.lock_submission(mirror.submission)
        remote_before = mirror.remote_document_sha256 or submission.document_sha256
        applied = False
        file_ids: dict[int, int] = {}
        for resent in pulled.corrections:
            file_ids |= _kept(submission, pulled)
            applied = _apply_correction(submission, pulled, resent, file_ids) or applied
            submission = workflow.lock_submission(submission)
        if not applied and remote_before != pulled.document_sha256:
            _replace_content(submission, pulled, form_version)
        if submission.status != pulled.status and not has_unsent_changes(submission):
            _take_status(submission, pulled)
        mirror.pulled_at = now
        mirror.remote_cursor = max(mirror.remote_cursor, cursor)
        mirror.remote_document_sha256 = pulled.document_sha256
        mirror.save(update_fields=["pulled_at", "remote_cursor", "remote_document_sha256"])
        return submission, False


def _take_status(submission: Submission, pulled: Pulled) -> None:
    """The internet node's status, as a change without a staff actor (not pushed back); a
    return made there carries its reason."""
    reason = pulled.return_reason if pulled.status == Status.RETURNED else ""
    workflow.record_change(
        submission,
        pulled.status,
        staff=None,
        reason=reason,
        extra=BY_INTERNET_NODE,
        actor=PULL_ACTOR,
    )


def applied_corrections() -> set[str]:
    """The internet node's ids of the corrections whose resend is applied here."""
    return set(
        MirroredCorrection.objects.filter(applied_at__isnull=False).values_list(
            "remote_id", flat=True
        )
    )


def _local_correction(
    submission: Submission, resent: PulledCorrection
) -> tuple[Correction | None, bool]:
    """The correction made here that ``resent`` answers (None when it was made on the
    internet node, by another back-office system), and whether it is applied already."""
    row = (
        MirroredCorrection.objects.select_for_update()
        .select_related("correction")
        .filter(remote_id=resent.remote_id)
        .first()
    )
    if row is not None:
        if row.submission_id != submission.pk:
            raise MirrorError(f"correction {resent.remote_id} belongs to another application")
        return row.correction, row.applied_at is not None
    # Taken by the internet node but its answer lost (the push is replayed next run): the
    # application's open correction here with the same questions, its return not given up.
    found = (
        Correction.objects.filter(submission=submission, resubmitted_at__isnull=True)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if (
        found is not None
        and list(found.fields) == list(resent.fields)
        # Returned there before this node's return was made: another one (from elsewhere).
        and (resent.requested_at is None or resent.requested_at >= found.requested_at)
        and not MirroredCorrection.objects.filter(correction=found).exists()
        and not PendingPush.objects.filter(
            submission=submission,
            change__to_status=Status.RETURNED,
            change__at__gte=found.requested_at,
            last_error__startswith=push.REFUSED,
        ).exists()
    ):
        return found, False
    return None, False


def _apply_correction(
    submission: Submission, pulled: Pulled, resent: PulledCorrection, ids: dict[int, int]
) -> bool:
    """Apply the resident's resend to the local submission; False when already applied, or
    when the caller is to take the content as the internet node has it (signed forms).
    ``ids`` maps the internet node's file ids to this node's; the files made here are added."""
    local, applied = _local_correction(submission, resent)
    if applied:
        return False
    if local is None:
        if _signed(submission):
            _apply_from_elsewhere(submission, pulled, resent, ids, content=ANSWERS_ONLY)
            return False
        _apply_from_elsewhere(submission, pulled, resent, ids, content=REMADE)
        return True
    if local.resubmitted_at is not None or submission.status != Status.RETURNED:
        raise MirrorError(
            f"application {pulled.public_id}: correction {resent.remote_id} cannot be applied "
            f"here (local status {submission.status})"
        )
    if corrections.needs_signature(local):
        # Signed again on the internet node (only a clear application of a signed form is
        # returned): its new document is the signed one, which this node cannot make. The
        # application is taken as the internet node has it (the caller replaces the content
        # and takes its status); this node's correction stays without its history.
        _taken(submission, resent.remote_id, local)
        return False
    new = _attach_to_correction(local, resent.files)
    ids |= new
    reopened = {key: resent.answers[key] for key in local.fields if key in resent.answers}
    answers = submission.answers | _with_local_file_ids(reopened, new | _kept(submission, pulled))
    try:
        corrections.apply_correction(correction=local, answers=answers)
    except workflow.WorkflowRefused as refused:
        raise MirrorError(
            f"application {pulled.public_id}: correction {resent.remote_id} refused here: "
            f"{refused.code}"
        ) from None
    _taken(submission, resent.remote_id, local)
    return True


def _kept(submission: Submission, pulled: Pulled) -> dict[int, int]:
    """Files the resident kept are the submission's own: the internet node's ids of the
    pulled application's files, matched here by field and SHA-256."""
    here = {(a.field_key, a.sha256): a.pk for a in submission.attachments.all()}
    return {
        item.remote_id: here[(item.field, item.sha256)]
        for item in pulled.files
        if (item.field, item.sha256) in here
    }


def _signed(submission: Submission) -> bool:
    """A signed form's correction is signed again on the internet node (as a whole document,
    which this node cannot make): its content is taken as the internet node has it."""
    return bool(submission.form_version.schema.identity == "mynumber_sign")


# What a correction made elsewhere changes here (:func:`_apply_from_elsewhere`).
REMADE = "remade"  # the reopened answers and new files, the document made again
ANSWERS_ONLY = "answers"  # the reopened answers; files and document taken by the caller
NOTHING = "nothing"  # already in the pulled content (a clear application's first pull)

BY_INTERNET_NODE = {"by": "internet_node"}
# The ledger's actor of what the pull records (not the resident's, not a staff member's).
PULL_ACTOR = "system:lgwan_pull"
# Correction.requested_by_system of a return made on the internet node (its staff or a
# back-office system there: the system API does not say which).
INTERNET_NODE = "internet_node"


def _apply_from_elsewhere(
    submission: Submission,
    pulled: Pulled,
    resent: PulledCorrection,
    ids: dict[int, int],
    *,
    content: str,
    before: dict[str, Any] | None = None,
) -> None:
    """A resend of a return made on the internet node (by its staff or another back-office
    system, or before this node pulled the application): no correction of this node's to
    apply it through, so one is recorded here, already resent, for the history (reason,
    questions, the answers it replaced, the files it superseded), with the RETURNED (its
    reason) and RESUBMITTED steps, and the reopened answers and new files replace the
    application's own and its document is made again (``content``). ``before``: the answers
    it replaced, when they are not the local ones (a clear application's first pull).
    While a change made here waits to be pushed, the local status stays (as in :func:`store`):
    the steps are left out."""
    steps = not has_unsent_changes(submission)
    if steps and submission.status != Status.RETURNED:
        workflow.record_change(
            submission,
            Status.RETURNED,
            staff=None,
            reason=resent.reason,
            extra=BY_INTERNET_NODE,
            actor=PULL_ACTOR,
        )
    now = timezone.now()
    local = Correction.objects.create(
        submission=submission,
        reason=resent.reason[:2000],
        fields=list(resent.fields),
        requested_by_system=INTERNET_NODE,
        requested_at=resent.requested_at or now,
        # The resident's link is the internet node's: this one is never handed out.
        token_hash=services.hash_token(secrets.token_urlsafe(24)),
        expires_at=now,
        resubmitted_at=resent.resubmitted_at or now,
        previous_answers=dict(submission.answers) if before is None else before,
        previous_document_sha256=submission.document_sha256 if before is None else "",
    )
    reopened = {key: value for key, value in resent.answers.items() if key in resent.fields}
    if content == REMADE:
        for item in resent.files:
            if item.remote_id not in ids:
                ids[item.remote_id] = _attach(submission, [item])[item.remote_id]
    if content in (REMADE, ANSWERS_ONLY):
        # A signed form's new files come with the content the caller takes: named only here.
        local_ids = _with_local_file_ids(reopened, ids, known_only=content == ANSWERS_ONLY)
        submission.answers = submission.answers | local_ids
        submission.save(update_fields=["answers"])
    if content == REMADE:
        # The files of reopened questions the answers no longer name leave the application
        # for the correction's history, as a correction applied here does.
        named = document.referenced_ids(submission.form_version.schema, submission.answers)
        submission.attachments.filter(field_key__in=reopened).exclude(pk__in=named).update(
            submission=None, superseded_by=local
        )
        key = submission.form_version.schema.applicant_name_field
        if key and key in reopened:
            submission.applicant_name = str(submission.answers.get(key) or "")[:200]
            submission.save(update_fields=["applicant_name"])
        services.refresh_document(submission)
    if steps:
        workflow.record_change(
            submission,
            Status.RESUBMITTED,
            staff=None,
            reason="",
            extra=BY_INTERNET_NODE,
            actor=PULL_ACTOR,
        )
    _taken(submission, resent.remote_id, local)


def _catch_up(submission: Submission, pulled: Pulled, ids: dict[int, int]) -> Submission:
    """The corrections resent before this node first pulled the application, oldest first.

    Sealed: the pulled content is the application as first submitted; each correction is
    applied to it in turn (its answers, its files, the document made again). Clear: the
    pulled content already has them all; each is recorded for the history, with the answers
    it replaced as far as the internet node serves them (the earlier corrections' answers;
    the answer a question had before its first correction is not served, and left empty).
    """
    if pulled.sealed:
        for resent in pulled.corrections:
            _apply_from_elsewhere(submission, pulled, resent, ids, content=REMADE)
            submission = workflow.lock_submission(submission)
        return submission
    current = dict(submission.answers)
    for index, resent in enumerate(pulled.corrections):
        before = dict(current)
        for later in pulled.corrections[index:]:
            for key in later.fields:
                before.pop(key, None)
        for earlier in pulled.corrections[:index]:
            reopened = {k: v for k, v in earlier.answers.items() if k in earlier.fields}
            before |= _with_local_file_ids(reopened, ids, known_only=True)
        _apply_from_elsewhere(submission, pulled, resent, ids, content=NOTHING, before=before)
        submission = workflow.lock_submission(submission)
    return submission


def _taken(submission: Submission, remote_id: str, local: Correction | None) -> None:
    MirroredCorrection.objects.update_or_create(
        remote_id=remote_id,
        defaults={
            "submission": submission,
            "correction": local,
            "returned_at": local.requested_at if local is not None else timezone.now(),
            "applied_at": timezone.now(),
        },
    )


def _attach_to_correction(correction: Correction, files: list[PulledFile]) -> dict[int, int]:
    """The correction's new files wait on it until it is applied, as a resident's upload."""
    ids: dict[int, int] = {}
    for item in files:
        attachment = Attachment.objects.create(
            correction=correction,
            field_key=item.field,
            file=ContentFile(item.content, name="pulled"),
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
        )
        ids[item.remote_id] = attachment.pk
    return ids


def _attach(submission: Submission, files: list[PulledFile]) -> dict[int, int]:
    ids: dict[int, int] = {}
    for item in files:
        attachment = Attachment.objects.create(
            submission=submission,
            field_key=item.field,
            file=ContentFile(item.content, name="pulled"),
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
        )
        ids[item.remote_id] = attachment.pk
    return ids


def _create(pulled: Pulled, form_version: FormVersion) -> tuple[Submission, dict[int, int]]:
    """The local copy and the local ids of its files by the internet node's. With resent
    corrections to catch up, it starts as received; the corrections' steps and the internet
    node's status follow (:func:`store`)."""
    form = form_version.form
    submission = Submission.objects.create(
        public_id=pulled.public_id,
        receipt_number=pulled.receipt_number,
        municipality_id=form.municipality_id,
        department_id=form.department_id,
        form_version=form_version,
        channel=pulled.channel if pulled.channel in Channel.values else Channel.ONLINE,
        status=Status.RECEIVED if pulled.corrections else pulled.status,
        answers={},
        # Empty on purpose: the resident hears from the internet node (its status links are
        # the ones the resident can open); an email from here would be a second, dead one.
        contact_email="",
        language=pulled.language,
        submitted_at=pulled.submitted_at,
        document=pulled.document,
        document_sha256=pulled.document_sha256,
    )
    ids = _attach(submission, pulled.files)
    # A sealed application's file a correction replaced is no longer served: named only.
    submission.answers = _with_local_file_ids(pulled.answers, ids, known_only=True)
    submission.applicant_name = _applicant_name(form_version, pulled)
    submission.save(update_fields=["answers", "applicant_name"])
    events.record(
        events.Event.SUBMITTED,
        actor=PULL_ACTOR,
        subject=events.submission_subject(submission.public_id),
        detail={
            "document": submission.document_sha256,
            "form": str(form.pk),
            "version": str(form_version.number),
            "channel": str(submission.channel),
            "pulled": "yes",
        },
    )
    # In this node's own change feed, so its file drops and webhooks (to systems on LGWAN)
    # take pulled applications as they take any new one.
    feed.on_submitted(submission)
    return submission, ids


def _replace_content(submission: Submission, pulled: Pulled, form_version: FormVersion) -> None:
    """A corrected application (再提出): its new answers, document and files replace the old."""
    old = list(submission.attachments.all())
    for attachment in old:
        attachment.delete()
    # The old files go once the new content is committed (a rollback keeps them).
    files = [a.file for a in old if a.file]

    def delete_files() -> None:
        for stored in files:
            stored.storage.delete(str(stored.name))

    transaction.on_commit(delete_files)
    ids = _attach(submission, pulled.files)
    submission.answers = _with_local_file_ids(pulled.answers, ids)
    submission.applicant_name = _applicant_name(form_version, pulled)
    submission.document = pulled.document
    submission.document_sha256 = pulled.document_sha256
    submission.save(update_fields=["answers", "applicant_name", "document", "document_sha256"])
