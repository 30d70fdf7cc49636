"""Sealing an application on submission, so the internet node never commits its answers.

``seal_on_submission`` is a ``submissions.after_submit`` hook, registered last (this app is the
last in INSTALLED_APPS, so payments and the catalog, which read the answers, run first). When
the form's policy is on, inside the submission's transaction, it:

1. encrypts {"answers", "document" (the canonical document text), "applicant_name",
   "identity" (the verified basic four items, when the application carries them),
   "files" (each attachment's original name and type)} to the department's current key(s) and the
   city's escrow key (:mod:`.crypto`), and every attached file with the same content key;
2. writes :class:`~.models.SealedSubmission`;
3. empties the submission's answers, document and applicant name, and replaces each
   attachment's stored file (and name) by its ciphertext; the clear files are deleted once
   the transaction commits (on a rollback nothing of the clear side changed).

What stays in clear, because the internet node needs it to run: the receipt number, status,
form, department, channel, dates, the contact email (to send the receipt and status news),
``document_sha256`` and each file's SHA-256 and size, and the signature evidence (the CMS
signature and the signer's certificate, which the resident gave to be verified).

差し戻し of a sealed application: staff (or a back-office system) reopen questions by the
form's schema, without seeing the answers; the resident enters the reopened answers afresh
(their earlier ones are not shown) and, on resend, :func:`seal_correction` (the
``submissions.sealed`` correction sealer) seals the new answers and files the same way, to the
department's keys of that moment and the escrow key, as a :class:`~.models.SealedCorrection`.
The LGWAN node opens it with :func:`open_correction_payload`. A signed form's sealed
application is not returned (submissions.workflow.check_return): its correction would have to
be signed as a whole document, which only exists as ciphertext here.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.forms import submission_facts
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.submissions import after_submit
from madoguchi.submissions import document as submission_document
from madoguchi.submissions.models import Attachment, Correction, Draft, Submission
from madoguchi.submissions.services import FormClosed
from madoguchi.submissions.workflow import WorkflowRefused

from . import crypto, key_selectors
from .keyring import Keyring
from .models import EncryptionKey, SealedCorrection, SealedSubmission


class EncryptionUnavailable(FormClosed):
    """Sealing is on for the form, but its department (or the city) has no current key."""

    code = "encryption_unavailable"
    status = 503
    default_message = gettext_lazy(
        "This form cannot take applications right now: its encryption key is missing. "
        "Please try again later or ask the department."
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(self.default_message))


def content_aad(public_id: object) -> bytes:
    """The AAD of an application's sealed content (and of its wrapped keys)."""
    return f"madoguchi:submission:{public_id}:content".encode("ascii")


def file_aad(public_id: object, attachment_id: int) -> bytes:
    return f"madoguchi:submission:{public_id}:file:{attachment_id}".encode("ascii")


def correction_aad(public_id: object, correction_id: object) -> bytes:
    """The AAD of a resent correction's sealed content (and of its wrapped keys)."""
    return f"madoguchi:submission:{public_id}:correction:{correction_id}".encode("ascii")


def _content_json(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _seal_files(
    content_key: bytes, public_id: object, attachments: Sequence[Attachment]
) -> dict[str, dict[str, Any]]:
    """Replace each attachment's stored file (and name) by its ciphertext under
    ``content_key``; ``{str(id): {"sha256", "size"}}`` of the clear files. The clear files are
    deleted once the transaction commits (on a rollback nothing of the clear side changed)."""
    files: dict[str, dict[str, Any]] = {}
    clear_names: list[tuple[Any, str]] = []
    for attachment in attachments:
        with attachment.file.open("rb") as stored:
            data = stored.read()
        files[str(attachment.pk)] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        ciphertext = crypto.encrypt_part(content_key, data, file_aad(public_id, attachment.pk))
        clear_names.append((attachment.file.storage, str(attachment.file.name)))
        attachment.file.save(f"sealed-{attachment.pk}.bin", ContentFile(ciphertext), save=False)
        attachment.name = f"sealed-{attachment.pk}"
        # Ciphertext: every page offers it as a download, none shows it inline.
        attachment.content_type = "application/octet-stream"
        attachment.save(update_fields=["file", "name", "content_type"])

    def delete_clear_files() -> None:
        for storage, name in clear_names:
            storage.delete(name)

    transaction.on_commit(delete_clear_files)
    return files


def _attachments_of(submission: Submission) -> list[Attachment]:
    """The files of a new submission: those its answers name (still linked to the draft while
    the hooks run) and any already linked to it."""
    named = submission_document.referenced_ids(submission.form_version.schema, submission.answers)
    found = Attachment.objects.filter(pk__in=named) | Attachment.objects.filter(
        submission=submission
    )
    return list(found.distinct().order_by("pk"))


def _identity_items(submission: Submission) -> dict[str, Any] | None:
    identity = submission.identity
    if identity is None or not identity.basic_four:
        return None
    return dict(identity.basic_four)


def seal_on_submission(submission: Submission) -> after_submit.Then | None:
    """``submissions.after_submit`` hook: seal the application when its form's policy is on.

    The policy and the keys are read in the first stage, before the ledger's lock; the
    sealing runs last in the second, after the hooks that read the answers."""
    version = submission.form_version
    policy = submission_facts.fact(
        version, key_selectors.POLICY_FACT, lambda: key_selectors.policy_for(version.form)
    )
    if not policy:
        return None
    recipients = key_selectors.recipients_for(submission.department)
    if not recipients:
        raise EncryptionUnavailable
    return functools.partial(_seal, submission, recipients)


def _seal(submission: Submission, recipients: Sequence[EncryptionKey]) -> None:
    content_key = crypto.new_content_key()
    attachments = _attachments_of(submission)
    identity = _identity_items(submission)
    content = _content_json(
        {
            "answers": submission.answers,
            "document": submission.document,
            "applicant_name": submission.applicant_name,
            "identity": identity,
            "files": {
                str(a.pk): {"name": a.name, "content_type": a.content_type} for a in attachments
            },
        }
    )
    aad = content_aad(submission.public_id)
    sealed = crypto.seal(content, recipients, aad, content_key=content_key)
    files = _seal_files(content_key, submission.public_id, attachments)
    SealedSubmission.objects.create(
        submission=submission,
        suite=sealed.suite,
        recipients=[r.as_dict() for r in sealed.recipients],
        ciphertext=sealed.ciphertext,
        plaintext_sha256=hashlib.sha256(content).hexdigest(),
        files=files,
        sealed_at=timezone.now(),
    )
    submission.answers = {}
    submission.document = ""
    submission.applicant_name = ""
    # Saved with its indexed fields: the inbox search drops the name terms it made.
    submission.save(update_fields=["answers", "document", "applicant_name"])
    if identity is not None and submission.identity_id is not None:
        _forget_identity_items(submission.identity_id, submission.pk)


def seal_correction(
    correction: Correction, answers: Mapping[str, Any], attachments: Sequence[Attachment]
) -> str:
    """The ``submissions.sealed`` correction sealer: seal a resent correction's reopened
    answers and new files (inside the resend's transaction); the plaintext's SHA-256.

    Sealed to the department's current keys and the escrow key (as a new submission would
    be), so a correction resent after a key rotation is read with the new key. Without a
    current key nothing is sent (WorkflowRefused: the resident's page says to try later).
    """
    submission = correction.submission
    recipients = key_selectors.recipients_for(submission.department)
    if not recipients:
        raise WorkflowRefused(
            _(
                "Your correction cannot be sent right now: the department's encryption key is "
                "missing. Please try again later or contact the department."
            )
        )
    content_key = crypto.new_content_key()
    content = _content_json(
        {
            "answers": dict(answers),
            "files": {
                str(a.pk): {"name": a.name, "content_type": a.content_type} for a in attachments
            },
        }
    )
    aad = correction_aad(submission.public_id, correction.pk)
    sealed = crypto.seal(content, recipients, aad, content_key=content_key)
    files = _seal_files(content_key, submission.public_id, attachments)
    digest = hashlib.sha256(content).hexdigest()
    SealedCorrection.objects.create(
        correction=correction,
        suite=sealed.suite,
        recipients=[r.as_dict() for r in sealed.recipients],
        ciphertext=sealed.ciphertext,
        plaintext_sha256=digest,
        files=files,
        sealed_at=timezone.now(),
    )
    return digest


def _forget_identity_items(identity_id: int, submission_id: int) -> None:
    """Empty the verified basic four items when nothing else still refers to them."""
    in_use = (
        Submission.objects.filter(identity_id=identity_id).exclude(pk=submission_id).exists()
        or Draft.objects.filter(identity_id=identity_id).exists()
    )
    if not in_use:
        VerifiedIdentity.objects.filter(pk=identity_id).update(basic_four={})


# --- reading ---------------------------------------------------------------------------


def is_sealed(submission: Submission) -> bool:
    return SealedSubmission.objects.filter(submission=submission).exists()


def sealed_row(submission: Submission) -> SealedSubmission | None:
    return SealedSubmission.objects.filter(submission=submission).first()


def sealed_payload(submission: Submission) -> dict[str, Any] | None:
    """The system API's ``sealed`` member, or None for an application kept in clear."""
    row = sealed_row(submission)
    return _payload_of(row) if row is not None else None


def open_payload(
    payload: Mapping[str, Any],
    keyring: Keyring | Mapping[str, bytes],
    *,
    public_id: object | None = None,
    files: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """Decrypt a sealed application on the LGWAN node (or with the escrow key).

    ``payload`` is the system API's application (with ``id`` and ``sealed``) or its ``sealed``
    member with ``public_id`` given. ``files`` maps attachment ids to their stored
    (encrypted) bytes as fetched; they come back decrypted in ``attachments``.
    Raises :class:`.crypto.SealError` (a wrong key names the fingerprints tried).
    """
    sealed = payload.get("sealed", payload) if "sealed" in payload else payload
    if sealed is None:
        raise crypto.SealError("this application is not sealed")
    public_id = public_id if public_id is not None else payload.get("id")
    if public_id is None:
        raise crypto.SealError("the application's public id is needed to open it")
    aad = content_aad(public_id)
    return _open(sealed, keyring, aad, public_id=public_id, files=files, what="content")


def _open(
    sealed: Mapping[str, Any],
    keyring_or_keys: Keyring | Mapping[str, bytes],
    aad: bytes,
    *,
    public_id: object,
    files: Mapping[str, bytes] | None,
    what: str,
) -> dict[str, Any]:
    """Sealed content opened, its SHA-256 checked, and ``files`` decrypted into its
    ``attachments`` (an application's or a correction's: ``aad`` tells them apart)."""
    private_keys = (
        keyring_or_keys.private_keys if isinstance(keyring_or_keys, Keyring) else keyring_or_keys
    )
    key = crypto.open_content_key(sealed, private_keys, aad)
    plaintext = crypto.decrypt_part(key, crypto.b64decode(str(sealed["ciphertext"])), aad)
    expected = sealed.get("plaintext_sha256")
    if expected and hashlib.sha256(plaintext).hexdigest() != expected:
        raise crypto.Tampered(f"the opened {what} does not match its SHA-256")
    content: dict[str, Any] = json.loads(plaintext)
    content["attachments"] = {
        str(attachment_id): crypto.decrypt_part(key, data, file_aad(public_id, int(attachment_id)))
        for attachment_id, data in (files or {}).items()
    }
    return content


def sealed_correction_payload(correction: Correction) -> dict[str, Any] | None:
    """A correction's ``sealed`` member in the system API, or None (kept in clear, or not
    resent yet)."""
    row = SealedCorrection.objects.filter(correction=correction).first()
    return _payload_of(row) if row is not None else None


def _payload_of(row: SealedSubmission | SealedCorrection) -> dict[str, Any]:
    return {
        "suite": row.suite,
        "recipients": list(row.recipients),
        "ciphertext": crypto.b64encode(bytes(row.ciphertext)),
        "plaintext_sha256": row.plaintext_sha256,
        "files": dict(row.files),
    }


def open_correction_payload(
    correction_payload: Mapping[str, Any],
    keyring_or_keys: Keyring | Mapping[str, bytes],
    *,
    public_id: object,
    files: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """Decrypt a sealed correction on the LGWAN node (or with the escrow key).

    ``correction_payload`` is an item of the system API's ``corrections`` (its ``id`` and
    ``sealed``); ``public_id`` the application's id. ``files`` maps the ids of the files the
    correction added to their stored (encrypted) bytes as fetched. Returns ``{"answers":
    {reopened key: value}, "files": {id: {"name", "content_type"}}, "attachments": {id:
    clear bytes}}``. Raises :class:`.crypto.SealError` (a wrong key names the fingerprints
    tried; a changed ciphertext or a correction moved to another application is
    :class:`.crypto.Tampered` or fails to open).
    """
    sealed = correction_payload.get("sealed")
    if not sealed:
        raise crypto.SealError("this correction is not sealed")
    correction_id = correction_payload.get("id")
    if correction_id is None:
        raise crypto.SealError("the correction's id is needed to open it")
    aad = correction_aad(public_id, correction_id)
    return _open(sealed, keyring_or_keys, aad, public_id=public_id, files=files, what="correction")


def open_submission(submission: Submission, private_keys: Mapping[str, bytes]) -> dict[str, Any]:
    """Open a sealed application of this database with its stored files (rewrap, recovery,
    tests)."""
    payload = sealed_payload(submission)
    if payload is None:
        raise crypto.SealError("this application is not sealed")
    stored: dict[str, bytes] = {}
    for attachment in Attachment.objects.filter(pk__in=[int(k) for k in payload["files"]]):
        with attachment.file.open("rb") as file:
            stored[str(attachment.pk)] = file.read()
    return open_payload(payload, private_keys, public_id=submission.public_id, files=stored)


def connect() -> None:
    """Register the hooks (from wiring.connect)."""
    from madoguchi.submissions import sealed

    after_submit.register_prepared("integrations_sealing", seal_on_submission)
    submission_facts.register(key_selectors.POLICY_FACT, key_selectors.policy_of_form)
    sealed.register("integrations_sealing", is_sealed)
    sealed.register_correction_sealer("integrations_sealing", seal_correction)
