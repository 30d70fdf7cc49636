"""Signing a submission with the My Number Card, and checking the signature again later.

The flow (docs/identity.md): the review page calls :func:`begin_signing`, which makes
the canonical document of the draft *now*, opens a sign transaction for its SHA-256 at
the Digital Authentication App service and sends the resident there (``openid sign``).
The resident signs with the signing password; the service's redirect lands in the
identity callback, which hands "sign" logins to :func:`finish_signing`. That makes the
document again from the draft as it is *then*, with the time it was first made, and
accepts only if: the document is unchanged, the signature verifies over its bytes, the
signing certificate is a valid, unrevoked JPKI signature certificate, and it names the
person who logged in. Only then is the submission created, with the evidence, in one
transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.identity import jpki, oidc
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.submissions import corrections, workflow
from madoguchi.submissions import document as canonical
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Correction, Draft, Submission

from . import client, revocation, selectors
from .evidence import SignedDocument
from .verify import (
    PREHASHED_SHA256,
    RSA_PADDING,
    SignatureInvalid,
    SignatureReport,
    verify_bundle,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "PURPOSE",
    "CheckedCertificate",
    "SigningFailed",
    "begin_correction_signing",
    "begin_signing",
    "certification_path",
    "check_card_certificate",
    "check_card_signature",
    "finish_correction_signing",
    "finish_signing",
    "reverify",
    "same_person",
    "signature_problems",
    "verify_card_signature",
]

logger = logging.getLogger("madoguchi.signatures")

PURPOSE = "sign"
CORRECTION_PURPOSE = "sign_correction"
SESSION_SIGNING = "madoguchi_signing"
MAX_PENDING = 5

_CHANGED = _("Your answers changed after you signed. Check them and sign again.")
_OTHER_CARD = _("The card used to sign is not the card you logged in with.")
_NOT_VERIFIED = _(
    "The signature could not be verified, so the application was not sent. "
    "Please sign again. If it happens again, contact the city office."
)
_CANCELLED = _(
    "The signature was cancelled or your card could not be used, so the application "
    "was not sent. You can sign again."
)
_UNREACHABLE = _(
    "The signing service cannot be reached right now, so the application was not sent. "
    "Please try again in a few minutes."
)
_REVOCATION_UNKNOWN = _(
    "We could not check the status of your My Number Card certificate just now. "
    "Please try again in a few minutes."
)
_EXPIRED = _("This signature request has expired. Please sign again.")
_NEEDS_CARD = _(
    "This application must be signed with the My Number Card you verified your identity "
    "with. Start the application again with the card."
)


class SigningFailed(Exception):
    """The signature was not accepted; ``message`` tells the resident what to do next.

    ``reason`` is a stable code for logs and tests (never personal data).
    """

    def __init__(self, reason: str, message: StrOrPromise) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class _Pending:
    transaction_id: str
    digest: str
    created_at: str

    def as_session(self) -> dict[str, str]:
        return {"transaction": self.transaction_id, "digest": self.digest, "at": self.created_at}


def _provider_for(identity: VerifiedIdentity | None) -> IdentityProvider:
    if identity is None or identity.assurance != Assurance.MYNUMBER_CARD:
        raise SigningFailed("no_card_identity", _NEEDS_CARD)
    provider = identity.provider
    if not provider.enabled or provider.kind != "digital_auth_app":
        raise SigningFailed("no_sign_provider", _NEEDS_CARD)
    return provider


def begin_signing(request: HttpRequest, draft: Draft, token: str) -> str:
    """Start signing ``draft`` (resume ``token``); the URL to send the resident to.

    Raises :class:`SigningFailed`, or ``SubmissionRefused``/``IdentityRequired`` from
    submissions when the draft cannot be sent at all.
    """
    provider = _provider_for(draft.identity)
    created_at = timezone.now().replace(microsecond=0)
    document = submission_services.draft_document(draft=draft, created_at=created_at)
    return _begin(
        request, provider, key=token, purpose=PURPOSE, document=document, created_at=created_at
    )


def begin_correction_signing(request: HttpRequest, correction: Correction, token: str) -> str:
    """Start signing a correction's pending answers (correction link ``token``)."""
    submission = correction.submission
    provider = _provider_for(submission.identity)
    created_at = timezone.now().replace(microsecond=0)
    document = canonical.corrected_document(
        submission, answers=correction.pending_answers, created_at=created_at
    )
    return _begin(
        request,
        provider,
        key=token,
        purpose=CORRECTION_PURPOSE,
        document=document,
        created_at=created_at,
    )


def _begin(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    key: str,
    purpose: str,
    document: dict[str, Any],
    created_at: datetime,
) -> str:
    """Open a sign transaction for the document's SHA-256 and remember it in the session."""
    digest = hashlib.sha256(canonical.canonical_bytes(document)).digest()
    try:
        transaction_id = client.start_transaction(provider, digest=digest)
        url = identity_services.begin_login(
            request,
            provider,
            next_key=key,
            purpose=purpose,
            scope="openid sign",
            extra_params={"sign_transaction_id": transaction_id},
        )
    except oidc.LoginFailed as failure:
        logger.warning("signing could not start at %s: check=%s", provider, failure.check)
        raise SigningFailed(failure.check, _UNREACHABLE) from failure
    pending = _Pending(transaction_id, digest.hex(), created_at.isoformat())
    waiting = dict(request.session.get(SESSION_SIGNING, {}))
    kept = list(waiting.items())[-(MAX_PENDING - 1) :]
    request.session[SESSION_SIGNING] = dict(
        [*kept, (submission_services.hash_token(key), pending.as_session())]
    )
    return url


def _take_pending(request: HttpRequest, token: str) -> _Pending | None:
    waiting = dict(request.session.get(SESSION_SIGNING, {}))
    data = waiting.pop(submission_services.hash_token(token), None)
    request.session[SESSION_SIGNING] = waiting
    if not isinstance(data, Mapping):
        return None
    return _Pending(str(data["transaction"]), str(data["digest"]), str(data["at"]))


def _comparable(text: str) -> str:
    # Card text is full width (氏名 "加賀　太郎"); what the app reports may not be.
    # Ideographic variation selectors are not on the card either.
    return "".join(
        c
        for c in unicodedata.normalize("NFKC", text)
        if not (0xFE00 <= ord(c) <= 0xFE0F or 0xE0100 <= ord(c) <= 0xE01EF)
    )


def _names_match(card: jpki.BasicFourItems, name: str) -> bool:
    """The card's name against the verified name, with substitute characters (代替文字,
    e.g. 吉 recorded for 𠮷) as wildcards at the positions the card flags."""
    on_card = _comparable(card.name)
    verified = _comparable(name)
    if len(on_card) != len(verified):
        return False
    substituted = set(card.name_substituted_at)
    return all(
        i in substituted or a == b for i, (a, b) in enumerate(zip(on_card, verified, strict=True))
    )


def same_person(certificate: x509.Certificate, identity: VerifiedIdentity) -> bool:
    """Whether a signature certificate names the person of ``identity`` (name, birth date)."""
    items = jpki.parse_basic_four_items(certificate)
    verified = identity.basic_four
    return bool(
        verified.get("name")
        and verified.get("birth_date")
        and items.birth_date.isoformat() == verified["birth_date"]
        and _names_match(items, str(verified["name"]))
    )


def certification_path(
    certificate: x509.Certificate,
    *,
    intermediates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
) -> list[x509.Certificate]:
    """The CA certificates above ``certificate``, issuer first, up to a root (by name and
    signature). Validation proper is pyhanko-certvalidator's; this only picks what to
    embed in the evidence and which CRLs to fetch."""
    path: list[x509.Certificate] = []
    current = certificate
    candidates = [*intermediates, *roots]
    for _depth in range(5):
        issuer = next(
            (
                c
                for c in candidates
                if c.subject == current.issuer and c not in path and _issued_by(current, c)
            ),
            None,
        )
        if issuer is None:
            break
        path.append(issuer)
        if issuer in roots:
            break
        current = issuer
    return path


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _verify_signature(certificate: x509.Certificate, signature: bytes, sha256: bytes) -> None:
    """RSA PKCS#1 v1.5 over the document's SHA-256, which the caller has already computed."""
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SigningFailed("not_rsa", _NOT_VERIFIED)
    try:
        key.verify(signature, sha256, RSA_PADDING, PREHASHED_SHA256)
    except InvalidSignature as error:
        raise SigningFailed("bad_signature", _NOT_VERIFIED) from error


def _crl_summary(crl: x509.CertificateRevocationList) -> dict[str, str]:
    return {
        "issuer": crl.issuer.rfc4514_string(),
        "this_update": crl.last_update_utc.isoformat(),
        "next_update": crl.next_update_utc.isoformat() if crl.next_update_utc else "",
    }


def finish_signing(
    request: HttpRequest, provider: IdentityProvider, pending: oidc.PendingLogin, *, draft: Draft
) -> Submission:
    """Accept the signature the resident just made and submit the draft with it.

    Raises :class:`SigningFailed` (with what to tell the resident) or the submission
    service's own ``SubmissionRefused``; the draft is untouched in either case.
    """
    signed = _accept_signature(
        request,
        provider,
        pending,
        identity=draft.identity,
        document_at=lambda created_at: canonical.canonical_bytes(
            submission_services.draft_document(draft=draft, created_at=created_at)
        ),
    )
    try:
        return submission_services.submit_draft(draft=draft, signature=signed)
    except submission_services.DocumentChanged as error:  # changed between check and lock
        raise SigningFailed("document_changed", _CHANGED) from error
    except submission_services.FormClosed as closed:  # the period ended while signing
        raise SigningFailed("form_closed", closed.message) from closed


def finish_correction_signing(
    request: HttpRequest,
    provider: IdentityProvider,
    pending: oidc.PendingLogin,
    *,
    correction: Correction,
) -> Submission:
    """Accept the signature over a correction and resubmit it under the same number."""
    submission = correction.submission
    signed = _accept_signature(
        request,
        provider,
        pending,
        identity=submission.identity,
        document_at=lambda created_at: canonical.canonical_bytes(
            canonical.corrected_document(
                submission, answers=correction.pending_answers, created_at=created_at
            )
        ),
    )
    try:
        return corrections.apply_correction(
            correction=correction, answers=correction.pending_answers, signed=signed
        )
    except workflow.WorkflowRefused as refused:
        raise SigningFailed("correction_closed", refused.message) from refused


def _accept_signature(
    request: HttpRequest,
    provider: IdentityProvider,
    pending: oidc.PendingLogin,
    *,
    identity: VerifiedIdentity | None,
    document_at: Callable[[datetime], bytes],
) -> SignedDocument:
    """Every check a signature passes before anything is stored; raises SigningFailed.

    ``document_at(created_at)`` makes the document again as it would be stored now, with
    the time it was first made: it must be exactly what was signed.
    """
    state = _take_pending(request, pending.next_key)
    if state is None or not hmac.compare_digest(
        state.transaction_id, pending.extra.get("sign_transaction_id", "")
    ):
        raise SigningFailed("no_pending_signature", _EXPIRED)
    if identity is None or identity.provider_id != provider.pk:
        raise SigningFailed("no_card_identity", _NEEDS_CARD)
    try:
        login = oidc.complete(provider, pending, request.GET)
        result = client.fetch_result(
            provider, transaction_id=state.transaction_id, access_token=login.access_token
        )
    except oidc.ProviderDeclined as declined:
        logger.info("signature declined at %s: %s", provider, declined.error)
        raise SigningFailed("declined", _CANCELLED) from declined
    except oidc.LoginFailed as failure:
        logger.warning("signature login failed at %s: check=%s", provider, failure.check)
        raise SigningFailed(failure.check, _NOT_VERIFIED) from failure

    # What was signed must be exactly what would be submitted now.
    created_at = datetime.fromisoformat(state.created_at)
    document = document_at(created_at)
    if hashlib.sha256(document).hexdigest() != state.digest:
        logger.info("signature refused: the answers changed after signing")
        raise SigningFailed("document_changed", _CHANGED)
    return check_card_signature(
        document=document,
        created_at=created_at,
        signature=result.signature,
        certificate_der=result.certificate,
        identity=identity,
    )


@dataclass(frozen=True)
class CheckedCertificate:
    """A card certificate that passed path validation with CRLs (hard fail) at ``checked_at``."""

    certificate: x509.Certificate
    chain: list[x509.Certificate]
    crls: list[x509.CertificateRevocationList]
    checked_at: datetime


def check_card_certificate(
    certificate_der: bytes, *, kind: jpki.CertificateKind
) -> CheckedCertificate:
    """Validate a certificate read from a card: a JPKI certificate of ``kind``, with a path
    to the configured trust roots and current CRLs for every certificate on it.

    Raises :class:`SigningFailed` with the rejection's code (``revocation_unknown`` when
    no CRL could be had: revocation is never taken on trust). Certificates the card offers
    beside it are never trusted: the path is built from the configured roots only.
    """
    try:
        certificate = jpki.load_certificate(certificate_der)
    except jpki.CertificateRejected as rejected:
        raise SigningFailed(rejected.code, rejected.message) from rejected
    roots = selectors.jpki_trust_roots()
    intermediates = selectors.jpki_intermediates()
    chain = certification_path(certificate, intermediates=intermediates, roots=roots)
    checked_at = timezone.now()
    try:
        crls = revocation.crls_for([certificate, *chain])
        jpki.validate_certificate(
            certificate,
            kind=kind,
            trust_roots=roots,
            intermediates=intermediates,
            crls=crls,
            at=checked_at,
        )
    except revocation.RevocationUnavailable as error:
        logger.warning("card certificate refused: no CRL (%s)", error)
        raise SigningFailed("revocation_unknown", _REVOCATION_UNKNOWN) from error
    except jpki.CertificateRejected as rejected:
        raise SigningFailed(rejected.code, rejected.message) from rejected
    return CheckedCertificate(certificate, chain, crls, checked_at)


def verify_card_signature(certificate: x509.Certificate, signature: bytes, sha256: bytes) -> None:
    """The card's RSA PKCS#1 v1.5 signature over DigestInfo(``sha256``), a digest the caller
    computed; raises :class:`SigningFailed` (``bad_signature``)."""
    _verify_signature(certificate, signature, sha256)


def check_card_signature(
    *,
    document: bytes,
    created_at: datetime,
    signature: bytes,
    certificate_der: bytes,
    identity: VerifiedIdentity | None,
) -> SignedDocument:
    """Every check a card's signature over ``document`` passes before anything is stored,
    wherever it was made (online through the signing service, at the counter through the
    card agent): the signature verifies over the document's SHA-256, the signing
    certificate is a valid, unrevoked JPKI signing certificate (path and CRLs), and it
    names the person of ``identity``. Raises :class:`SigningFailed`.

    The caller has already checked that ``document`` (made with ``created_at``) is exactly
    what the resident was asked to sign.
    """
    if identity is None:
        raise SigningFailed("no_card_identity", _NEEDS_CARD)
    sha256 = hashlib.sha256(document).digest()
    try:
        certificate = jpki.load_certificate(certificate_der)
    except jpki.CertificateRejected as rejected:
        raise SigningFailed(rejected.code, rejected.message) from rejected
    _verify_signature(certificate, signature, sha256)
    checked = check_card_certificate(certificate_der, kind="signing")
    if not same_person(checked.certificate, identity):
        logger.info("signature refused: the certificate names another person")
        raise SigningFailed("other_person", _OTHER_CARD)
    return SignedDocument(
        document=document,
        created_at=created_at,
        signature=signature,
        certificate=checked.certificate,
        chain=checked.chain,
        crls=checked.crls,
        validation={
            "status": "valid",
            "kind": "signing",
            "path": [checked.certificate.subject.rfc4514_string()]
            + [c.subject.rfc4514_string() for c in checked.chain],
            "checked_at": checked.checked_at.isoformat(),
            "crls": [_crl_summary(c) for c in checked.crls],
            "policy": "JPKI signing certificate, CRL hard fail",
        },
    )


def reverify(submission: Submission) -> SignatureReport:
    """Check a signed submission again from the database; raises ``SignatureInvalid``.

    The stored document must still be the canonical document of the stored answers and
    files (an answer edited in the database is caught here), its hash must be the one
    signed, and the evidence must verify offline against today's trust roots.
    """
    evidence = selectors.evidence_for(submission)
    if evidence is None:
        raise SignatureInvalid("this submission was not signed")
    stored = submission.document.encode("utf-8")
    try:
        created_at = canonical.created_at_of(canonical.parse_document(stored))
    except (ValueError, KeyError) as error:
        raise SignatureInvalid("the stored document cannot be read") from error
    recomputed = canonical.canonical_bytes(
        canonical.stored_document(submission, created_at=created_at)
    )
    if recomputed != stored:
        raise SignatureInvalid("answers differ from the signed document")
    if hashlib.sha256(stored).hexdigest() != submission.document_sha256:
        raise SignatureInvalid("the document hash on the submission is not the document's")
    return verify_bundle(
        evidence.bundle(), document=stored, trust_roots=selectors.jpki_trust_roots()
    )


def signature_problems(submission: Submission) -> list[str]:
    """The integrity audit's check of the applicant's signature (empty: intact or unsigned).

    Registered with ``submissions.signing`` (apps.py): ``submissions.integrity`` runs it
    without importing this app.
    """
    if selectors.evidence_for(submission) is None:
        return []
    try:
        reverify(submission)
    except SignatureInvalid as error:
        return [f"the applicant's signature does not hold: {error}"]
    return []


def bundle_for(submission: Submission) -> dict[str, Any] | None:
    """The evidence bundle of a signed submission (for receipts and exports), else None."""
    evidence = selectors.evidence_for(submission)
    return evidence.bundle() if evidence is not None else None
