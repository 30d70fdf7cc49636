"""What apps above submissions do when an application's status changes (a port for them).

The catalog keeps the 標準処理期間: while an application is returned for correction
(差し戻し) its clock stops, so when it leaves ``returned`` the due date moves by the business
days it spent there. Submissions may not import that app, so it registers a hook in its
AppConfig.ready(), and :func:`.workflow.record_change` (every status change: staff's,
the resubmission's, the withdrawal's) runs every hook inside its transaction, with the
submission's row locked and its new status set, after the ``StatusChange`` row is written.

Invariant: a hook only updates its own records or the fields of the submission it owns
(saving them with ``update_fields``) and does not talk to the outside world; an exception
rolls the change back. What must reach the outside world (payments closes the checkout of
an application rejected or withdrawn) is scheduled with ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import StatusChange, Submission

Hook = Callable[["Submission", "StatusChange"], None]

_hooks: dict[str, Hook] = {}


def register(name: str, hook: Hook) -> None:
    """Add (or replace, so a reloaded app registers once) the hook called ``name``."""
    _hooks[name] = hook


def run(submission: Submission, change: StatusChange) -> None:
    """Call every registered hook with the submission and its change, in registration order."""
    for hook in _hooks.values():
        hook(submission, change)
