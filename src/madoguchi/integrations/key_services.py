"""Writes about encryption keys and the policy: registration, rotation, the escrow key,
re-wrapping old applications to a new key, and turning sealing on or off.

Only public keys are registered here. A department's key pair is made on the LGWAN node
(``madoguchi keys generate``), the escrow pair by ``madoguchi keys escrow`` (its private half
printed once and kept offline by the DX office).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, Municipality, StaffMember

from . import crypto, key_selectors
from .models import EncryptionKey, EncryptionPolicy, KeyPurpose, SealedSubmission


class KeyProblem(Exception):
    """A key or policy change that cannot be made; the message says what to do."""


def _actor(by: StaffMember | None) -> str:
    return events.pseudonym("staff", by.pk) if by is not None else "system:keys"


def register_key(
    *,
    municipality: Municipality,
    public_key: str,
    purpose: str,
    department: Department | None = None,
    by: StaffMember | None = None,
) -> EncryptionKey:
    """Register a public key; a new one retires the previous current key of the same
    department (or the city's escrow key) for new applications.

    Old applications stay sealed to the retired key and readable with its private key
    (kept in the LGWAN node's keyring) until ``madoguchi keys rewrap``.
    """
    try:
        raw = crypto.parse_public_key(public_key)
    except ValueError as error:
        raise KeyProblem(
            _(
                "This is not an X25519 public key (base64url of 32 bytes, or a PEM block). "
                "Paste what “madoguchi keys generate” printed."
            )
        ) from error
    if purpose == KeyPurpose.DEPARTMENT:
        if department is None or department.municipality_id != municipality.pk:
            raise KeyProblem(_("Choose the department the key belongs to."))
    elif purpose == KeyPurpose.ESCROW:
        department = None
    else:
        raise KeyProblem(_("Unknown key purpose."))
    found = crypto.fingerprint(raw)
    if EncryptionKey.objects.filter(fingerprint=found).exists():
        raise KeyProblem(_("This key is already registered."))
    now = timezone.now()
    with transaction.atomic():
        previous = EncryptionKey.objects.select_for_update().filter(
            municipality=municipality, purpose=purpose, department=department, retired_at=None
        )
        retired = [key.fingerprint for key in previous]
        previous.update(retired_at=now)
        key = EncryptionKey.objects.create(
            municipality=municipality,
            department=department,
            purpose=purpose,
            public_key=crypto.b64encode(raw),
            fingerprint=found,
            created_by=by,
        )
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=_actor(by),
            subject=f"encryption_key:{key.pk}",
            detail={
                "purpose": purpose,
                "department": department.code if department else "",
                "fingerprint": found,
                "retired": ",".join(retired),
            },
        )
    return key


def set_policy(
    *,
    municipality: Municipality,
    enabled: bool,
    form: Form | None = None,
    by: StaffMember | None = None,
) -> EncryptionPolicy:
    """Turn sealing on or off for the city (``form`` None) or one form.

    It refuses to turn on without the city's escrow key and a key for the form's department
    (for the city: for every department that has a form), so no application is ever sealed
    to nobody or to a key without a recovery copy.
    """
    if form is not None and form.municipality_id != municipality.pk:
        raise KeyProblem(_("This form belongs to another city."))
    if enabled:
        if not key_selectors.current_escrow_keys(municipality).exists():
            raise KeyProblem(
                _(
                    "Register the city's recovery (escrow) key first "
                    "(“madoguchi keys escrow” on the DX office's offline machine)."
                )
            )
        departments = (
            [form.department]
            if form is not None
            else list(
                Department.objects.filter(
                    pk__in=Form.objects.filter(municipality=municipality).values("department_id")
                )
            )
        )
        missing = [
            d.name for d in departments if not key_selectors.current_department_keys(d).exists()
        ]
        if missing:
            raise KeyProblem(
                _("Register a key for these departments first: %(departments)s.")
                % {"departments": "、".join(sorted(missing))}
            )
    with transaction.atomic():
        policy, _created = EncryptionPolicy.objects.update_or_create(
            municipality=municipality,
            form=form,
            defaults={"enabled": enabled, "updated_by": by},
        )
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=_actor(by),
            subject=f"encryption_policy:{policy.pk}",
            detail={"form": str(form.pk) if form else "", "enabled": "yes" if enabled else "no"},
        )
    return policy


@dataclass(frozen=True)
class RewrapResult:
    rewrapped: int
    skipped: list[str]  # receipt numbers that none of the keys given opens


def rewrap(
    *,
    department: Department,
    private_keys: Mapping[str, bytes],
    sealed: Iterable[SealedSubmission] | None = None,
) -> RewrapResult:
    """Wrap the content key of the department's sealed applications again, to its current
    key(s) and the city's escrow key, opening each with one of ``private_keys`` (the keyring
    after a rotation, or the escrow key after a loss). The ciphertexts do not change."""
    from . import sealing

    recipients = key_selectors.recipients_for(department)
    if not recipients:
        raise KeyProblem(_("The department and the city need a current key and an escrow key."))
    current = {key.fingerprint for key in recipients}
    rows = (
        sealed
        if sealed is not None
        else SealedSubmission.objects.filter(submission__department=department).select_related(
            "submission"
        )
    )
    done = 0
    skipped: list[str] = []
    for row in rows:
        if {r["fingerprint"] for r in row.recipients} == current:
            continue
        aad = sealing.content_aad(row.submission.public_id)
        try:
            key = crypto.open_content_key(_as_dict(row), private_keys, aad)
        except crypto.WrongKey:
            skipped.append(row.submission.receipt_number)
            continue
        with transaction.atomic():
            locked = SealedSubmission.objects.select_for_update().get(pk=row.pk)
            locked.recipients = [w.as_dict() for w in crypto.wrap_key(key, recipients, aad)]
            locked.save(update_fields=["recipients"])
            events.record(
                events.Event.CONFIG_CHANGED,
                actor="system:keys",
                subject=events.submission_subject(row.submission.public_id),
                detail={"rewrapped_to": ",".join(sorted(current))},
            )
        done += 1
    return RewrapResult(rewrapped=done, skipped=skipped)


def _as_dict(row: SealedSubmission) -> dict[str, object]:
    return {"suite": row.suite, "recipients": row.recipients, "ciphertext": bytes(row.ciphertext)}
