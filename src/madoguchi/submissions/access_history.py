"""Access-history sources: what apps above submissions add to a resident's やりとり履歴.

The resident's access history is read here, in submissions, but some of what it shows is
recorded by apps that sit above submissions in the dependency order (an export keeps which
submissions it held beside the export job, in madoguchi.exports). Submissions may not import
them, so they register a source in their AppConfig.ready() and the history asks every source.

Invariant: a source returns only completed actions about the submissions it is given, already
resolved to display text in the given language; it never sees other residents' submissions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from madoguchi.core import events

from .models import Submission


class SourcedEvent(NamedTuple):
    """One line of access history that a registered source adds."""

    submission_id: int
    at: datetime
    event: events.Event
    # Who acted, as the resident reads it (a department name in the page's language).
    actor: str


Source = Callable[[Sequence[Submission], str], list[SourcedEvent]]

_sources: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add (or replace, so a reloaded app registers once) the source called `name`."""
    _sources[name] = source


def sourced_events(submissions: Sequence[Submission], *, language: str) -> list[SourcedEvent]:
    """What every registered source adds about these submissions, in registration order."""
    if not submissions:
        return []
    found: list[SourcedEvent] = []
    for source in _sources.values():
        found += source(submissions, language)
    return found
