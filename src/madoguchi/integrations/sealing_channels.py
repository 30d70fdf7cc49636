"""End-to-end encryption for what the other channels hold before there is a submission.

Online, counter and mail-in submissions are all sealed on submission (:mod:`.sealing`). Before
that, the mail-in channel holds a resident's answers for weeks while the paper is in the post
(``mailin.MailApplication``). On a form with encryption on, :class:`MailSealer` (registered in
the ``mailin.sealed`` port) seals them at preparation with the same scheme (:mod:`.crypto`):

- plaintext: the answers' canonical JSON (RFC 8785, ``submissions.document.canonical_bytes``),
  so ``plaintext_sha256`` is the ``answers_sha256`` printed in the paper's QR code;
- AAD ``madoguchi:mail:<reference>:answers`` (:func:`mail_aad`);
- recipients: the department's current key(s), the city's escrow key, and a key derived from
  the resident's secret link (:func:`link_keypair`, purpose ``resident_link``), whose
  private half is computed from the link when the resident opens it and never stored: only
  the resident's link (and the LGWAN node's or escrow keys) can open the answers again, for
  the resident's PDF. A paper a counter clerk printed has no resident link: it is sealed to
  the department and escrow only, and the counter prints it again from the open visit.

The verified basic four items of a card-verified application (``VerifiedIdentity.basic_four``)
are emptied with it when nothing else still uses them: they are in the sealed answers and the
paper's code. (Intake then takes the card's answers from the code as typed ones: the paper is
signed by hand.)

Intake reads the answers from the paper's QR code (hash-checked), so the internet node opens
nothing at intake; :func:`open_mail_answers` is for a holder of the department's or escrow
key (a paper whose code is unreadable).

Deliberately not sealed (docs/integration.md, "what stays in clear"): drafts and counter
pre-registrations (a pre-registration is the resident's draft until check-in: the counter
screen shows and edits it with the resident), and result documents (電子交付), the city's own
output, which the resident downloads from this node.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from madoguchi.counter.models import Visit
from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.mailin import sealed as mail_sealed
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.submissions.document import canonical_bytes
from madoguchi.submissions.models import Draft, Submission

from . import crypto, key_selectors
from .sealing import EncryptionUnavailable

RESIDENT_LINK = "resident_link"
_LINK_INFO = crypto.SUITE.encode("ascii") + b"\x00resident-link-key"


def mail_aad(reference: str) -> bytes:
    """The AAD of a mail-in application's sealed answers (and of their wrapped keys)."""
    return f"madoguchi:mail:{reference}:answers".encode("ascii")


def link_keypair(token: str) -> tuple[bytes, bytes]:
    """The X25519 key pair (private, public; raw) a resident's secret link stands for.

    HKDF-SHA256 of the link's token (192 random bits), with its own ``info``, so it shares
    nothing with the link's stored hash (SHA-256 of the token).
    """
    seed = HKDF(algorithm=hashes.SHA256(), length=crypto.KEY_SIZE, salt=None, info=_LINK_INFO)
    private = seed.derive(token.encode("utf-8"))
    return private, crypto.public_from_private(private)


def _link_recipient(token: str) -> crypto.PublicKey:
    _private, public = link_keypair(token)
    return crypto.PublicKey(public_key=crypto.b64encode(public), purpose=RESIDENT_LINK)


def seal_mail_answers(
    *, application: MailApplication, answers: Mapping[str, Any], resident_token: str | None
) -> dict[str, Any]:
    """``answers`` sealed for ``application.sealed``; raises :class:`.sealing.EncryptionUnavailable`
    when the department or the city has no current key."""
    recipients: list[Any] = list(key_selectors.recipients_for(application.department))
    if not recipients:
        raise EncryptionUnavailable
    if resident_token:
        recipients.append(_link_recipient(resident_token))
    plaintext = canonical_bytes(answers)
    sealed = crypto.seal(plaintext, recipients, mail_aad(application.reference))
    if application.identity_id is not None:
        _forget_identity_items(application)
    return sealed.as_dict() | {"plaintext_sha256": hashlib.sha256(plaintext).hexdigest()}


def _forget_identity_items(application: MailApplication) -> None:
    """Empty the card's basic four items of a sealed mail-in application, unless a
    submission, another draft (not the one being made into this paper, which shares its
    link hash), an open counter visit or a clear mail-in application still uses them."""
    identity_id = application.identity_id
    if identity_id is None:
        return
    in_use = (
        Submission.objects.filter(identity_id=identity_id).exists()
        or Draft.objects.filter(identity_id=identity_id)
        .exclude(token_hash=application.token_hash)
        .exists()
        or Visit.objects.filter(identity_id=identity_id, closed_at__isnull=True).exists()
        or MailApplication.objects.filter(
            identity_id=identity_id, status=MailStatus.AWAITING, sealed__isnull=True
        )
        .exclude(pk=application.pk)
        .exists()
    )
    if not in_use:
        VerifiedIdentity.objects.filter(pk=identity_id).update(basic_four={})


def open_mail_answers(
    sealed: Mapping[str, Any], private_keys: Mapping[str, bytes], *, reference: str
) -> dict[str, Any]:
    """The answers of a sealed mail-in application, opened with a department, escrow or
    resident-link private key (by fingerprint). Raises :class:`.crypto.SealError`."""
    plaintext = crypto.open_sealed(sealed, private_keys, mail_aad(reference))
    if hashlib.sha256(plaintext).hexdigest() != sealed.get("plaintext_sha256"):
        raise crypto.Tampered("the opened answers do not match their SHA-256")
    answers: dict[str, Any] = json.loads(plaintext)
    return answers


class MailSealer:
    """The ``mailin.sealed`` port's sealer: the form's encryption policy decides."""

    def applies(self, form_version: FormVersion) -> bool:
        return key_selectors.policy_for(form_version.form)

    def seal(
        self,
        *,
        application: MailApplication,
        answers: Mapping[str, Any],
        resident_token: str | None,
    ) -> dict[str, Any]:
        return seal_mail_answers(
            application=application, answers=answers, resident_token=resident_token
        )

    def open(self, *, application: MailApplication, resident_token: str) -> dict[str, Any]:
        if not application.sealed:
            raise ValueError("this mail-in application is not sealed")
        private, public = link_keypair(resident_token)
        try:
            return open_mail_answers(
                application.sealed,
                {crypto.fingerprint(public): private},
                reference=application.reference,
            )
        except crypto.SealError as error:
            raise ValueError(str(error)) from error


def connect() -> None:
    """Register the mail-in sealer (from wiring.connect)."""
    mail_sealed.register("integrations_sealing", MailSealer())
