"""What a resident's browser session grants, and for how long.

Two things are bound to the session, never to a link:

- **A verified identity on a draft.** The resume link of a draft is a bearer secret
  that lives for weeks and may be forwarded, synced or shoulder-surfed. The My Number
  Card login that verified the draft counts only in the browser session that did it;
  anywhere else the draft is locked until the same person logs in with the card again
  (and nothing of it is shown before that).
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

from .models import Draft

SESSION_VERIFIED = "madoguchi_verified_drafts"
SESSION_RECEIPTS = "madoguchi_receipts"
MAX_REMEMBERED = 20


def bind_identity(session: SessionBase, draft: Draft) -> None:
    """Record that this session did the card login behind ``draft``'s identity."""
    bound = dict(session.get(SESSION_VERIFIED) or {})
    bound.pop(draft.token_hash, None)
    kept = list(bound.items())[-(MAX_REMEMBERED - 1) :]
    session[SESSION_VERIFIED] = dict([*kept, (draft.token_hash, draft.identity_id)])


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
    return draft.identity_id is not None and not verified_here(session, draft)


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


def _entries(session: SessionBase) -> dict[str, Any]:
    stored = session.get(SESSION_RECEIPTS)
    return stored if isinstance(stored, dict) else {}
