"""The files of a counter application: what a resident attached to a pre-registration, and
a photo taken at the counter (card issuance support), kept until accepted.

Storage: a submissions ``Draft`` holds them (``VisitApplication.files``), so the upload
checks, the one-file-per-question rule and the purge of abandoned files work as online.
At check-in the pre-registration's draft becomes that holder: it gets a secret nobody knows
(the resident's link no longer opens it), loses its answers and card identity (the
application has the answers; it must not appear among the resident's drafts) and expires
``MADOGUCHI_COUNTER_DAYS`` later, so a visit never closed cannot keep files for ever.

Invariants: the answers name held files by the same descriptors as online
(``Attachment.descriptor``), so the canonical document lists their hashes exactly as an
online submission does; accepting moves the named files to the submission (the holder
takes the others with it); closing the visit deletes the holders of applications not
accepted (their files are deleted from storage after commit, submissions.signals).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone

from madoguchi.forms import conditions
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FileField, FormSchema
from madoguchi.submissions import document
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Attachment, Channel, Draft, Submission

from .models import ApplicationState, Visit, VisitApplication


def _expires() -> Any:
    return timezone.now() + timedelta(days=settings.MADOGUCHI_COUNTER_DAYS)


def _unreachable_token_hash() -> str:
    return submission_services.hash_token(secrets.token_urlsafe(24))


def keep_draft_files(*, draft: Draft, application: VisitApplication) -> bool:
    """At check-in, make the pre-registration's ``draft`` the holder of ``application``'s
    files if it has any (True); else leave it to the caller to delete (False). Inside the
    caller's transaction."""
    if not draft.attachments.exists():
        return False
    Draft.objects.filter(pk=draft.pk).update(
        token_hash=_unreachable_token_hash(),
        answers={},
        typed={},
        identity=None,
        expires_at=_expires(),
    )
    application.files = draft
    application.save(update_fields=["files"])
    return True


def new_holder(form_version: FormVersion) -> Draft:
    """A holder for files taken before their application exists (the staff-assisted page
    keeps a photo while the clerk corrects other answers)."""
    return Draft.objects.create(
        token_hash=_unreachable_token_hash(),
        form_version=form_version,
        language="ja",
        expires_at=_expires(),
        channel=Channel.COUNTER,
    )


_PENDING_SALT = "madoguchi.counter.files.pending"
_PENDING_MAX_AGE = 24 * 60 * 60


def pending_token(*, draft: Draft, visit: Visit) -> str:
    """A signed note of the pending holder for the page's hidden field: a post can only
    name a holder made for this visit and form."""
    return signing.dumps([visit.pk, draft.form_version_id, draft.pk], salt=_PENDING_SALT)


def pending_holder(token: str, *, visit: Visit, form_version: FormVersion) -> Draft | None:
    """The pending holder ``token`` names, if it is this visit's and form's and not taken."""
    if not token:
        return None
    try:
        visit_pk, version_pk, draft_pk = signing.loads(
            token, salt=_PENDING_SALT, max_age=_PENDING_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if visit_pk != visit.pk or version_pk != form_version.pk:
        return None
    if VisitApplication.objects.filter(files_id=draft_pk).exists():
        return None
    return Draft.objects.filter(pk=draft_pk, channel=Channel.COUNTER, answers={}).first()


def attach(*, application: VisitApplication, draft: Draft) -> None:
    """Give ``application`` the pending holder's files (inside the caller's transaction)."""
    application.files = draft
    application.save(update_fields=["files"])


def holder(application: VisitApplication) -> Draft:
    """The draft holding ``application``'s files, made when the first file comes."""
    if application.files_id is not None:
        draft = Draft.objects.filter(pk=application.files_id).first()
        if draft is not None:
            return draft
    draft = new_holder(application.form_version)
    attach(application=application, draft=draft)
    return draft


def held(application: VisitApplication) -> list[Attachment]:
    """The files ``application`` holds (none without a holder)."""
    if application.files_id is None:
        return []
    return list(Attachment.objects.filter(draft_id=application.files_id).order_by("pk"))


def file_answers(
    schema: FormSchema, answers: Mapping[str, Any], attachments: list[Attachment]
) -> dict[str, Any]:
    """The answers to file questions that apply and name only files in ``attachments``:
    what the application carries into its submission, exactly as the resident's draft
    named them."""
    ids = {a.pk for a in attachments}
    applicable = {f.key for f in conditions.applicable_fields(schema, answers)}
    kept: dict[str, Any] = {}
    for form_field in schema.fields():
        if not isinstance(form_field, FileField) or form_field.key not in applicable:
            continue
        value = answers.get(form_field.key)
        if (
            isinstance(value, list)
            and value
            and all(isinstance(item, Mapping) and item.get("id") in ids for item in value)
        ):
            kept[form_field.key] = value
    return kept


def document_parts(
    application: VisitApplication, cleaned: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Attachment]]:
    """The answers and files accepting ``application`` records, given its ``cleaned``
    answers to the questions asked at the counter: the one source for the document the
    resident signs (counter.card) and the one accepting stores (counter.services)."""
    attachments = held(application)
    schema = application.form_version.schema
    files = file_answers(schema, {**application.answers, **cleaned}, attachments)
    return {**cleaned, **files}, attachments


def hand_over(*, application: VisitApplication, submission: Submission) -> None:
    """Move the files the submission's answers name to it; the holder, with any others,
    goes. Inside the caller's transaction (``services.submit_application``)."""
    if application.files_id is None:
        return
    named = document.referenced_ids(submission.form_version.schema, submission.answers)
    Attachment.objects.filter(draft_id=application.files_id, pk__in=named).update(
        draft=None, submission=submission
    )
    Draft.objects.filter(pk=application.files_id).delete()


def discard_for_visit(visit: Visit) -> None:
    """Delete the files of ``visit``'s applications that were not accepted (closing). An
    application continuing on paper keeps its holder until it expires: the paper taken in
    at mail-in intake does not carry the files yet (see docs/counter.md)."""
    ids = list(
        visit.applications.exclude(
            state__in=(ApplicationState.SUBMITTED, ApplicationState.ON_PAPER)
        )
        .exclude(files__isnull=True)
        .values_list("files_id", flat=True)
    )
    if ids:
        Draft.objects.filter(pk__in=ids).delete()
