"""On the LGWAN node: a pulled application becomes (or updates) a local Submission.

The local row keeps the internet node's public id, receipt number, form version (found by
the city's LG code, the form's slug and the version number; one missing here is installed
from the internet node first, :mod:`.version_sync`), status, submission time, canonical
document and attachments, so the whole back office (inbox, detail, workflow, exports) works on
it as on any other. Everything of one
application is written in one transaction: a failure leaves the node as it was.

Resent corrections are applied by :mod:`.mirror_corrections`, in the same transaction.

The receipt number is the internet node's: the LGWAN node never issues numbers of its own
for pulled applications (its ReceiptCounter is not touched). The local copy has no contact
email: residents are emailed by the internet node only, whose status links they can open.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Channel, Status, Submission

from . import feed
from .mirror_corrections import (
    BY_INTERNET_NODE,
    PULL_ACTOR,
    apply_correction,
    catch_up,
    has_unsent_changes,
    kept,
)
from .models import MirroredSubmission, PullSource
from .pulled import MirrorError, Pulled, applicant_name, attach, with_local_file_ids


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
                submission = catch_up(submission, pulled, ids)
                if submission.status != pulled.status:
                    _take_status(submission, pulled)
            return submission, True
        submission = workflow.lock_submission(mirror.submission)
        remote_before = mirror.remote_document_sha256 or submission.document_sha256
        applied = False
        file_ids: dict[int, int] = {}
        for resent in pulled.corrections:
            file_ids |= kept(submission, pulled)
            applied = apply_correction(submission, pulled, resent, file_ids) or applied
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
    ids = attach(submission, pulled.files)
    # A sealed application's file a correction replaced is no longer served: named only.
    submission.answers = with_local_file_ids(pulled.answers, ids, known_only=True)
    submission.applicant_name = applicant_name(form_version, pulled)
    submission.save(update_fields=["answers", "applicant_name"])
    feed_entry = feed.on_submitted(submission)
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
    feed_entry()
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
    ids = attach(submission, pulled.files)
    submission.answers = with_local_file_ids(pulled.answers, ids)
    submission.applicant_name = applicant_name(form_version, pulled)
    submission.document = pulled.document
    submission.document_sha256 = pulled.document_sha256
    submission.save(update_fields=["answers", "applicant_name", "document", "document_sha256"])
