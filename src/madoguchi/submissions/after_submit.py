"""What apps above submissions do when an application is submitted (a port for them).

A form can charge a fee when it is submitted (madoguchi.payments): the payment must exist as
soon as the submission does, so the confirmation page and email can ask for it. Submissions
may not import that app, so it registers a hook in its AppConfig.ready(), and
:func:`.services.create_submission` runs every hook inside its transaction.

Two stages, because recording the ``SUBMITTED`` event locks the ledger's head row until the
transaction commits, and every submission in the city waits for that lock:

1. :func:`prepare`, once the submission's row exists and before ``SUBMITTED`` is recorded:
   each hook registered with :func:`register_prepared` does what needs no order (its reads,
   records no one reads in commit order) and returns what must follow the event, or None;
2. :func:`run`, after ``SUBMITTED`` (and the signature's event): those continuations, then
   the hooks registered with :func:`register`, all in registration order, under the lock.

Invariant: a hook only adds its own records about the submission it is given (in the same
transaction) and does not talk to the outside world; an exception rolls the submission back.
Ledger events and change-feed entries belong in the second stage: they must follow
``SUBMITTED`` and take their order from the lock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Submission

Hook = Callable[["Submission"], None]
Then = Callable[[], object]
Prepare = Callable[["Submission"], Then | None]

_hooks: dict[str, Prepare] = {}


def _after_the_event(hook: Hook) -> Prepare:
    return lambda submission: functools.partial(hook, submission)


def register(name: str, hook: Hook, *, first: bool = False) -> None:
    """Add (or replace, so a reloaded app registers once) the hook called ``name``: it runs
    after the ``SUBMITTED`` event, under the ledger's lock.

    ``first``: run it before the hooks registered so far (the integrations' change feed
    records the submission before a fee asked for it is recorded as a payment event).
    """
    register_prepared(name, _after_the_event(hook), first=first)


def register_prepared(name: str, prepare: Prepare, *, first: bool = False) -> None:
    """Like :func:`register`, in two stages: ``prepare(submission)`` runs before the
    ``SUBMITTED`` event (no lock held) and returns what runs after it, or None."""
    _hooks.pop(name, None)
    if first:
        others = dict(_hooks)
        _hooks.clear()
        _hooks[name] = prepare
        _hooks.update(others)
    else:
        _hooks[name] = prepare


def prepare(submission: Submission) -> list[Then]:
    """The first stage of every hook, in registration order; what the second stage runs."""
    return [then for hook in _hooks.values() if (then := hook(submission)) is not None]


def run(thens: Sequence[Then]) -> None:
    """The second stage, after the ``SUBMITTED`` event: ``thens`` from :func:`prepare`."""
    for then in thens:
        then()
