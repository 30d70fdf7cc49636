"""What apps above submissions do when an application is submitted (a port for them).

A form can charge a fee when it is submitted (madoguchi.payments): the payment must exist as
soon as the submission does, so the confirmation page and email can ask for it. Submissions
may not import that app, so it registers a hook in its AppConfig.ready(), and
:func:`.services.create_submission` runs every hook inside its transaction, after the
``SUBMITTED`` event and before the confirmation email is queued.

Invariant: a hook only adds its own records about the submission it is given (in the same
transaction) and does not talk to the outside world; an exception rolls the submission back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Submission

Hook = Callable[["Submission"], None]

_hooks: dict[str, Hook] = {}


def register(name: str, hook: Hook, *, first: bool = False) -> None:
    """Add (or replace, so a reloaded app registers once) the hook called ``name``.

    ``first``: run it before the hooks registered so far (the integrations' change feed
    records the submission before a fee asked for it is recorded as a payment event).
    """
    _hooks.pop(name, None)
    if first:
        others = dict(_hooks)
        _hooks.clear()
        _hooks[name] = hook
        _hooks.update(others)
    else:
        _hooks[name] = hook


def run(submission: Submission) -> None:
    """Call every registered hook with the new submission, in registration order."""
    for hook in _hooks.values():
        hook(submission)
