"""The My Number Card at the counter, on the server's side (docs/counter.md).

The card agent on the counter PC (``madoguchi counter-agent``, /work/notes/agent-api.md)
talks to the card; the resident-facing display relays its answers here. The server never
sees a PIN or the signing password, and trusts nothing the agent says on its word:

* **Reading the card** (窓口・カード読取): :func:`issue_challenge` makes a single-use nonce
  for the visit (five minutes); the card signs it with its JPKI user-authentication key,
  and :func:`accept_card_read` takes the basic four items the agent read from the
  券面事項入力補助AP only if the authentication certificate is valid, unrevoked (CRL hard
  fail, as online login) and its key signed exactly that nonce. The card's own integrity
  hashes (EF 0003) are checked by the agent; a mismatch is refused here too.
* **Signing** (署名用電子証明書): :func:`begin_counter_signing` makes the canonical document
  of the confirmed answers (the same document an online signature covers) and remembers
  its digest and time; :func:`finish_counter_signing` makes it again, checks the card's
  signature with the online signing checks (``signatures.services.check_card_signature``:
  path, CRL, same person as the card read) and accepts the application through
  ``counter.services.submit_application`` with the evidence.

Every refusal is a :class:`CardRefused` with a ``card_*`` code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, get_args

from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.forms import answers as form_answers
from madoguchi.forms.schema import FileField
from madoguchi.identity import jpki
from madoguchi.identity import services as identity_services
from madoguchi.identity.base import ClaimsUnusable
from madoguchi.signatures import services as signatures
from madoguchi.submissions import document as canonical
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember

from . import files as counter_files
from . import services
from .models import ApplicationState, Assurance, Visit, VisitApplication
from .refusals import AlreadySubmitted, NotConfirmed, VisitClosed

__all__ = [
    "CHALLENGE_MINUTES",
    "CardRefused",
    "accept_card_read",
    "begin_counter_signing",
    "finish_counter_signing",
    "issue_challenge",
]

logger = logging.getLogger("madoguchi.counter")

CHALLENGE_MINUTES = 5
# How long the resident has between the clerk's 「カードで署名」 and the card's answer.
SIGNING_MINUTES = 10

_MESSAGES = {
    "card_refused": _("The card could not be used. Read the card again."),
    "card_challenge_expired": _(
        "The card read took too long or was already used. Start the card read again."
    ),
    "card_signature_invalid": _(
        "The card's answer could not be verified. Read the card again; if it happens again, "
        "check identity with documents instead."
    ),
    "card_certificate_invalid": _(
        "The card's certificate is not a valid My Number Card certificate. Check identity "
        "with documents instead."
    ),
    "card_expired": _(
        "The card's certificate has expired. The resident can renew it at the counter; "
        "check identity with documents for now."
    ),
    "card_revoked": _(
        "The card's certificate has been revoked. The card cannot be used; check identity "
        "with documents and ask the resident about the card's status."
    ),
    "card_revocation_unknown": _(
        "The card's certificate status could not be checked just now (no current CRL). "
        "Try again in a few minutes, or check identity with documents."
    ),
    "card_items_invalid": _(
        "The details read from the card are incomplete or do not match the card's own "
        "check. Read the card again."
    ),
    "card_not_read": _(
        "Read the resident's My Number Card first: the signature must be made with the "
        "card that proved who the resident is."
    ),
    "card_signing_not_started": _(
        "No card signature was started for this application, or it took too long. Click "
        "「カードで署名」 again."
    ),
    "card_document_changed": _(
        "The answers changed after the signature was started. Ask the resident to confirm "
        "them again, then sign again."
    ),
    "card_other_person": _(
        "The card used to sign is not the card that was read for this visit. Sign with the "
        "resident's own card."
    ),
}


class CardRefused(Refused):
    """The card's answer was not accepted; ``code`` says why (one of ``codes``)."""

    code = "card_refused"
    codes: ClassVar[frozenset[str]] = frozenset(_MESSAGES) - {"card_refused"}
    status = 422
    default_message = _MESSAGES["card_refused"]

    def __init__(self, code: str) -> None:
        super().__init__(_MESSAGES.get(code, _MESSAGES["card_refused"]), code=code)


# Refusals of the shared certificate and signature checks -> ours.
_FROM_SIGNING = {
    "expired": "card_expired",
    "revoked": "card_revoked",
    "revocation_unknown": "card_revocation_unknown",
    "bad_signature": "card_signature_invalid",
    "not_rsa": "card_signature_invalid",
    "other_person": "card_other_person",
    "no_card_identity": "card_not_read",
}
for _code in get_args(jpki.RejectionCode):
    _FROM_SIGNING.setdefault(_code, "card_certificate_invalid")


def signing_window() -> timedelta:
    """How long a started card signature waits for the card's answer."""
    return timedelta(minutes=SIGNING_MINUTES)


def _refused(failure: signatures.SigningFailed) -> CardRefused:
    return CardRefused(_FROM_SIGNING.get(failure.reason, "card_certificate_invalid"))


def _staff(clerk: StaffMember) -> str:
    return events.pseudonym("staff", clerk.pk)


def _visit_subject(visit: Visit) -> str:
    return events.pseudonym("visit", visit.pk)


# --- Reading the card ------------------------------------------------------------------


def issue_challenge(*, visit: Visit) -> str:
    """A new nonce (hex, 32 bytes) for the card to sign, replacing any earlier one; it is
    accepted once, within :data:`CHALLENGE_MINUTES`."""
    if visit.closed_at is not None:
        raise VisitClosed
    nonce = secrets.token_hex(32)
    visit.card_nonce = nonce
    visit.card_nonce_expires_at = timezone.now() + timedelta(minutes=CHALLENGE_MINUTES)
    visit.save(update_fields=["card_nonce", "card_nonce_expires_at"])
    return nonce


def _take_nonce(visit: Visit) -> str:
    """The visit's outstanding nonce, used up now (in its own transaction, so a refused
    answer cannot be replayed), or CardRefused when there is none valid."""
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.closed_at is not None:
            raise VisitClosed
        nonce = locked.card_nonce
        expires_at = locked.card_nonce_expires_at
        locked.card_nonce = ""
        locked.card_nonce_expires_at = None
        locked.save(update_fields=["card_nonce", "card_nonce_expires_at"])
    if not nonce or expires_at is None or expires_at <= timezone.now():
        raise CardRefused("card_challenge_expired")
    return nonce


_SEX_CODES = frozenset({"1", "2", "9"})
_BIRTH_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _card_items(items: Mapping[str, Any]) -> dict[str, str]:
    """The basic four items as the agent sends them, checked for shape (never logged)."""
    if not all(isinstance(items.get(key), str) for key in ("name", "address", "birth_date", "sex")):
        raise CardRefused("card_items_invalid")
    try:
        name = str(items["name"]).strip()
        address = str(items["address"]).strip()
        birth_date = str(items["birth_date"]).strip()
        sex = str(items["sex"]).strip()
        if not _BIRTH_DATE.fullmatch(birth_date):
            raise ValueError("birth date")
        date.fromisoformat(birth_date)
    except (KeyError, TypeError, ValueError) as error:
        raise CardRefused("card_items_invalid") from error
    if not name or not address or sex not in _SEX_CODES or len(name) > 200 or len(address) > 400:
        raise CardRefused("card_items_invalid")
    return {"name": name, "address": address, "birth_date": birth_date, "sex": sex}


# What the resident display says when the server refuses the card: the reason (revoked,
# expired, …) and what to do about it are for the clerk (``Visit.card_refusal``).
RESIDENT_MESSAGE = _("This card could not be used. Please tell the staff.")


def resident_message(refused: Refused) -> str | None:
    """The resident display's words for a refusal of the card, None for other refusals."""
    return str(RESIDENT_MESSAGE) if isinstance(refused, CardRefused) else None


def accept_card_read(
    *,
    visit: Visit,
    clerk: StaffMember,
    items: Mapping[str, Any],
    auth_certificate_der: bytes,
    auth_ca_der: bytes | None,
    nonce_signature: bytes,
    integrity: str = "ok",
) -> Visit:
    """Take the card read the agent relayed, once its authentication proves the card
    (:func:`_accept_card_read`). A refusal's code is kept on the visit
    (``card_refusal``) for the clerk's page; a card read accepted clears it."""
    try:
        read = _accept_card_read(
            visit=visit,
            clerk=clerk,
            items=items,
            auth_certificate_der=auth_certificate_der,
            auth_ca_der=auth_ca_der,
            nonce_signature=nonce_signature,
            integrity=integrity,
        )
    except CardRefused as refused:
        Visit.objects.filter(pk=visit.pk).update(card_refusal=refused.code)
        visit.card_refusal = refused.code
        raise
    Visit.objects.filter(pk=visit.pk).update(card_refusal="")
    read.card_refusal = visit.card_refusal = ""
    return read


def _accept_card_read(
    *,
    visit: Visit,
    clerk: StaffMember,
    items: Mapping[str, Any],
    auth_certificate_der: bytes,
    auth_ca_der: bytes | None,
    nonce_signature: bytes,
    integrity: str = "ok",
) -> Visit:
    """Take the card read the agent relayed, once its authentication proves the card.

    The nonce must be the visit's outstanding one (used up whatever the outcome); the
    authentication certificate must be a JPKI user-authentication certificate, valid by
    path to the trust roots with current CRLs (hard fail); its key must have signed the
    nonce (PKCS#1 v1.5 over DigestInfo(SHA-256(nonce))). ``auth_ca_der``, the CA
    certificate the card carries, is never trusted: the path is built from the configured
    roots. Then the visit gets the person (the basic four items), assurance
    ``counter_card``, the certificate's hash and a verified identity, which fills and locks
    the basic-four questions of the visit's open applications as an online card login
    does. Raises :class:`CardRefused`.
    """
    del auth_ca_der  # documented above: the card's own CA certificate proves nothing
    nonce = _take_nonce(visit)
    if integrity != "ok":
        raise CardRefused("card_items_invalid")
    card_items = _card_items(items)
    try:
        checked = signatures.check_card_certificate(auth_certificate_der, kind="authentication")
        signatures.verify_card_signature(
            checked.certificate, nonce_signature, hashlib.sha256(bytes.fromhex(nonce)).digest()
        )
    except signatures.SigningFailed as failure:
        logger.info("counter card read refused: %s", failure.reason)
        raise _refused(failure) from failure
    certificate = checked.certificate
    certificate_sha256 = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
    card_key = (
        f"{certificate.issuer.rfc4514_string()}|{jpki.format_serial(certificate.serial_number)}"
    )
    now = timezone.now()
    with transaction.atomic():
        locked_visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked_visit.closed_at is not None:
            raise VisitClosed
        try:
            identity = identity_services.counter_card_identity(
                municipality=locked_visit.municipality,
                card_key=card_key,
                items=card_items,
                read_at=now,
            )
        except ClaimsUnusable as error:
            raise CardRefused("card_items_invalid") from error
        locked_visit.person = dict(identity.basic_four)
        locked_visit.assurance = Assurance.CARD
        locked_visit.card_certificate_sha256 = certificate_sha256
        locked_visit.card_checked_at = now
        locked_visit.identity = identity
        locked_visit.save(
            update_fields=[
                "person",
                "assurance",
                "card_certificate_sha256",
                "card_checked_at",
                "identity",
            ]
        )
        _prefill_open_applications(locked_visit)
        events.record(
            events.Event.COUNTER_CARD_READ,
            actor=_staff(clerk),
            subject=_visit_subject(locked_visit),
            detail={
                "counter": locked_visit.counter_name,
                "assurance": str(Assurance.CARD),
                "certificate": certificate_sha256,
                "serial": hashlib.sha256(card_key.encode()).hexdigest(),
            },
        )
    return locked_visit


def _prefill_open_applications(visit: Visit) -> None:
    """Fill and lock the card's items in the visit's applications not yet accepted; an
    answer that changes withdraws the resident's confirmation."""
    for application in visit.applications.exclude(
        state__in=(
            ApplicationState.SUBMITTED,
            ApplicationState.CANCELLED,
            ApplicationState.ON_PAPER,
        )
    ).select_related("form_version"):
        locked = identity_services.locked_answers(application.form_version.schema, visit.identity)
        answers = {**application.answers, **locked}
        prefilled = sorted(set(application.prefilled_fields) | set(locked))
        if answers == application.answers and prefilled == application.prefilled_fields:
            continue
        update = ["answers", "prefilled_fields"]
        if answers != application.answers:
            application.state = ApplicationState.EDITING
            application.confirmed_sha256 = ""
            application.confirmed_at = None
            application.sign_sha256 = ""
            application.sign_created_at = None
            update += [
                "state",
                "confirmed_sha256",
                "confirmed_at",
                "sign_sha256",
                "sign_created_at",
            ]
        application.answers = answers
        application.prefilled_fields = prefilled
        application.save(update_fields=update)


# --- Signing ---------------------------------------------------------------------------


def _document(application: VisitApplication, created_at: datetime) -> bytes:
    """The canonical document accepting ``application`` would store, dated ``created_at``:
    the answers cleaned exactly as ``services.submit_application`` cleans them."""
    form_version = application.form_version
    schema = form_version.schema
    locked = identity_services.locked_answers(schema, application.visit.identity)
    questions = [f for f in schema.fields() if f.collects_input and not isinstance(f, FileField)]
    result = form_answers.clean_answers(
        schema, application.answers, fields=questions, locked=locked
    )
    if not result.ok:
        raise submission_services.SubmissionRefused(result.errors)
    # The files the application holds, named and hashed as accepting records them.
    answers, attachments = counter_files.document_parts(application, result.answers)
    return canonical.canonical_bytes(
        canonical.document_of(
            form_version=form_version,
            answers=answers,
            attachments=attachments,
            created_at=created_at,
        )
    )


def _require_confirmed(application: VisitApplication) -> None:
    if application.submission_id is not None or application.state in (
        ApplicationState.SUBMITTED,
        ApplicationState.CANCELLED,
    ):
        raise AlreadySubmitted
    if application.visit.closed_at is not None:
        raise VisitClosed
    if (
        application.state != ApplicationState.CONFIRMED
        or application.confirmed_sha256 != services.answers_sha256(application)
    ):
        raise NotConfirmed
    visit = application.visit
    if visit.assurance != Assurance.CARD or visit.identity_id is None:
        raise CardRefused("card_not_read")


def begin_counter_signing(*, application: VisitApplication) -> str:
    """Start the card signature of a confirmed application: the SHA-256 (hex) of its
    canonical document, for the agent's ``/v1/sign``. The digest and time are kept on the
    application, so :func:`finish_counter_signing` can make the same document again."""
    with transaction.atomic():
        locked = (
            # Only this row: PostgreSQL cannot lock the nullable side of an outer join.
            VisitApplication.objects.select_for_update(of=("self",))
            .select_related("visit__identity", "form_version__form__municipality")
            .get(pk=application.pk)
        )
        _require_confirmed(locked)
        created_at = timezone.now().replace(microsecond=0)
        digest = hashlib.sha256(_document(locked, created_at)).hexdigest()
        locked.sign_sha256 = digest
        locked.sign_created_at = created_at
        locked.save(update_fields=["sign_sha256", "sign_created_at"])
    return digest


def finish_counter_signing(
    *,
    application: VisitApplication,
    clerk: StaffMember,
    certificate_der: bytes,
    ca_der: bytes | None,
    signature: bytes,
) -> Submission:
    """Accept the card's signature (:func:`_finish_counter_signing`). A card refusal's code
    is kept on the visit (``card_refusal``) for the clerk's page, as for a card read; an
    accepted signature clears it."""
    visit_id = application.visit_id
    try:
        submission = _finish_counter_signing(
            application=application,
            clerk=clerk,
            certificate_der=certificate_der,
            ca_der=ca_der,
            signature=signature,
        )
    except CardRefused as refused:
        Visit.objects.filter(pk=visit_id).update(card_refusal=refused.code)
        raise
    Visit.objects.filter(pk=visit_id).update(card_refusal="")
    return submission


def _finish_counter_signing(
    *,
    application: VisitApplication,
    clerk: StaffMember,
    certificate_der: bytes,
    ca_der: bytes | None,
    signature: bytes,
) -> Submission:
    """Accept the card's signature over the document :func:`begin_counter_signing` made and
    the application with it: the document is made again and must be the one started (the
    answers and the confirmation unchanged), the signature must verify, and the signing
    certificate must be valid, unrevoked and name the person whose card was read.
    ``ca_der`` is not trusted (see :func:`accept_card_read`). Raises :class:`CardRefused`
    or the refusals of ``services.submit_application``; nothing is stored then.
    """
    del ca_der
    locked = VisitApplication.objects.select_related(
        "visit__identity", "form_version__form__municipality"
    ).get(pk=application.pk)
    _require_confirmed(locked)
    started = locked.sign_created_at
    if (
        not locked.sign_sha256
        or started is None
        or started + timedelta(minutes=SIGNING_MINUTES) < timezone.now()
    ):
        raise CardRefused("card_signing_not_started")
    document = _document(locked, started)
    if not hmac.compare_digest(hashlib.sha256(document).hexdigest(), locked.sign_sha256):
        raise CardRefused("card_document_changed")
    try:
        signed = signatures.check_card_signature(
            document=document,
            created_at=started,
            signature=signature,
            certificate_der=certificate_der,
            identity=locked.visit.identity,
        )
    except signatures.SigningFailed as failure:
        logger.info("counter signature refused: %s", failure.reason)
        raise _refused(failure) from failure
    with transaction.atomic():
        # Used once: a second answer for the same start finds nothing to finish.
        taken = VisitApplication.objects.filter(
            pk=locked.pk, sign_sha256=locked.sign_sha256
        ).update(sign_sha256="", sign_created_at=None)
        if not taken:
            raise CardRefused("card_signing_not_started")
        return services.submit_application(application=locked, clerk=clerk, signed=signed)
