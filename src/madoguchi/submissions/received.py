"""Paper applications staff take in (mail-in today, the counter next): a submission made
without a draft, through the same door as online (:func:`.services.create_submission`)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from madoguchi.core import events
from madoguchi.forms import answers as form_answers
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FileField
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.tenants.models import StaffMember

from .models import Channel, StatusLink, Submission
from .services import SubmissionRefused, create_submission

# Channels whose applications arrive on paper and are taken in by staff.
PAPER_CHANNELS = frozenset({Channel.MAIL, Channel.COUNTER})


def submit_received(
    *,
    form_version: FormVersion,
    answers: Mapping[str, Any],
    channel: Channel,
    received_on: date,
    staff: StaffMember,
    identity: VerifiedIdentity | None = None,
    language: str = "ja",
    enclosures: Iterable[str] = (),
    paper_scan: UploadedFile | None = None,
    status_link_hash: str = "",
) -> Submission:
    """Turn a paper application staff took in into a submission, without a draft.

    The same door as online: answers validated again against ``form_version`` (the one the
    paper was made from), the form's dates and limit, the next gap-free receipt number, the
    document and ``SUBMITTED`` with the channel, the same inbox and workflow. ``received_on``
    is the 到達日 (the day the paper arrived); the ``SUBMITTED`` event names the staff member
    who took it in. Questions that take a file are not asked of paper (what is enclosed is
    ``enclosures``, ticked by staff). ``paper_scan`` must have passed
    :func:`.uploads.paper_scan_problem`. ``status_link_hash``, the hash of a secret link the
    applicant already holds (mail-in's), becomes a status link of the submission. Call
    inside the caller's transaction when other writes must commit with it (mail-in's
    arrival does).
    """
    if channel not in PAPER_CHANNELS:
        raise ValueError(f"submit_received() takes paper channels, not {channel!r}")
    schema = form_version.schema
    locked = identity_services.locked_answers(schema, identity)
    questions = [f for f in schema.fields() if not isinstance(f, FileField)]
    result = form_answers.clean_answers(schema, answers, fields=questions, locked=locked)
    if not result.ok:
        raise SubmissionRefused(result.errors)
    with transaction.atomic():
        submission = create_submission(
            form_version=form_version,
            answers=result.answers,
            channel=channel,
            language=language,
            identity=identity,
            prefilled=[key for key in locked if key in result.answers],
            received_on=received_on,
            actor=events.pseudonym("staff", staff.pk),
        )
        submission.enclosures_received = [str(e) for e in enclosures]
        update = ["enclosures_received"]
        if paper_scan is not None:
            digest = hashlib.sha256()
            for chunk in paper_scan.chunks():
                digest.update(chunk)
            paper_scan.seek(0)
            submission.paper_scan_sha256 = digest.hexdigest()
            # A random name: the file's own name may carry the applicant's.
            submission.paper_scan.save(f"{secrets.token_hex(16)}.pdf", paper_scan, save=False)
            update += ["paper_scan", "paper_scan_sha256"]
        submission.save(update_fields=update)
        if status_link_hash:
            StatusLink.objects.create(submission=submission, token_hash=status_link_hash)
    return submission
