"""What a resident's browser session grants, and for how long.

Two things are bound to the session, never to a link:

- **A verified identity.** The resume link of a draft and the correction link (差し戻し)
  of a submission are bearer secrets that live for weeks and may be forwarded, synced or
  shoulder-surfed. The My Number Card login behind a draft or a submission counts only
  in a browser session that did a card login for that person (same provider and
  subject: on the draft itself, on a correction's verify-again page or on My page);
  anywhere else the draft or correction is locked until the same person logs in with
  the card again (and nothing of it is shown before that).
- **Receipts of what this browser just sent** (the confirmation page and the receipt
  PDF), for ``MADOGUCHI_RECEIPT_ACCESS_MINUTES`` after sending and never after logout or
  the end of the session. Later, the resident's page (card login) shows them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from madoguchi.identity.models import VerifiedIdentity

from .models import Correction, Draft

SESSION_VERIFIED = "madoguchi_verified_drafts"
SESSION_RECEIPTS = "madoguchi_receipts"
# People who did a card login in this session: [[provider id, hashed subject], ...].
SESSION_PERSONS = "madoguchi_card_persons"
# The resident logged in on My page: {"provider": id, "subject": hashed subject}.
SESSION_RESIDENT = "madoguchi_resident"
MAX_REMEMBERED = 20


def bind_identity(session: SessionBase, draft: Draft) -> None:
    """Record that this session did the card login behind ``draft``'s identity."""
    bound = dict(session.get(SESSION_VERIFIED) or {})
    bound.pop(draft.token_hash, None)
    kept = list(bound.items())[-(MAX_REMEMBERED - 1) :]
    session[SESSION_VERIFIED] = dict([*kept, (draft.token_hash, draft.identity_id)])
    if draft.identity is not None:
        remember_person(session, draft.identity)


def remember_person(session: SessionBase, identity: VerifiedIdentity) -> None:
    """Record that this session did a card login as ``identity``'s person.

    Callers cycle the session key at the login where they can, so that a session id
    planted in the resident's browser beforehand gains nothing from it.
    """
    person = [identity.provider_id, identity.subject]
    kept = [p for p in _persons(session) if p != person][-(MAX_REMEMBERED - 1) :]
    session[SESSION_PERSONS] = [*kept, person]


def logged_in_person(session: SessionBase) -> tuple[int, str] | None:
    """(provider id, hashed subject) of the resident logged in on My page, if any."""
    resident = session.get(SESSION_RESIDENT)
    if isinstance(resident, dict) and "provider" in resident and "subject" in resident:
        return int(resident["provider"]), str(resident["subject"])
    return None


def proven_here(session: SessionBase, identity: VerifiedIdentity | None) -> bool:
    """Whether this session did a card login as the person behind ``identity``."""
    if identity is None:
        return False
    person = (identity.provider_id, identity.subject)
    return person == logged_in_person(session) or list(person) in _persons(session)


def needs_login_again(session: SessionBase, identity: VerifiedIdentity | None) -> bool:
    """Whether what ``identity`` verified is locked here until its person logs in again."""
    return identity is not None and not proven_here(session, identity)


def verified_here(session: SessionBase, draft: Draft) -> bool:
    """Whether the draft's verified identity was proven in this session."""
    bound = session.get(SESSION_VERIFIED)
    return (
        draft.identity_id is not None
        and isinstance(bound, dict)
        and bound.get(draft.token_hash) == draft.identity_id
    )


def needs_card_again(session: SessionBase, draft: Draft) -> bool:
    """A card-verified draft opened in another session: locked until the card login."""
    return (
        draft.identity_id is not None
        and not verified_here(session, draft)
        and needs_login_again(session, draft.identity)
    )


def correction_needs_card_again(session: SessionBase, correction: Correction) -> bool:
    """A correction of a card-verified submission, opened in a session that did no card
    login for its person: nothing of it is shown or changed until that login."""
    return needs_login_again(session, correction.submission.identity)


def same_person(before: VerifiedIdentity | None, after: VerifiedIdentity) -> bool:
    """Whether a new login is the person who verified the draft (same provider and subject)."""
    return before is None or (before.provider_id, before.subject) == (
        after.provider_id,
        after.subject,
    )


def remember_receipt(session: SessionBase, key: str, public_id: str) -> None:
    """Let this session open the confirmation and receipt of a submission for a while."""
    entries = {k: v for k, v in _entries(session).items() if k != key}
    kept = list(entries.items())[-(MAX_REMEMBERED - 1) :]
    session[SESSION_RECEIPTS] = dict([*kept, (key, [public_id, time.time()])])


def receipts(session: SessionBase) -> dict[str, str]:
    """Receipts this session may still open: key (draft token hash, ...) → public id."""
    oldest = time.time() - settings.MADOGUCHI_RECEIPT_ACCESS_MINUTES * 60
    return {
        key: str(value[0])
        for key, value in _entries(session).items()
        if isinstance(value, list) and len(value) == 2 and float(value[1]) >= oldest
    }


def _persons(session: SessionBase) -> list[list[Any]]:
    stored = session.get(SESSION_PERSONS)
    return [p for p in stored if isinstance(p, list)] if isinstance(stored, list) else []


def _entries(session: SessionBase) -> dict[str, Any]:
    stored = session.get(SESSION_RECEIPTS)
    return stored if isinstance(stored, dict) else {}
