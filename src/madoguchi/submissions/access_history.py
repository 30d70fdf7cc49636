"""Access-history sources: what apps above submissions add to a resident's やりとり履歴.

The resident's access history is read here, in submissions, but some of what it shows is
recorded by apps that sit above submissions in the dependency order (an export keeps which
submissions it held beside the export job, in madoguchi.exports). Submissions may not import
them, so they register a source in their AppConfig.ready() and the history asks every source.

Invariant: a source returns only completed actions about the submissions it is given, already
resolved to display text in the given language; it never sees other residents' submissions.

It also holds the words for what a department's back-office system did through the system API
(madoguchi.integrations): the ledger events carry ``by: system`` and the client's pseudonym,
and the resident and the staff read 「基幹システム（<課>）」 with what it did, never the
workflow's plain 「処理状況が変わりました」 as if a person had acted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.tenants.models import Department

from .models import StatusChange, Submission


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


# What a back-office system did, as the history reads it (the ledger event carries by: system).
SYSTEM_LABELS: dict[str, Promise] = {
    events.Event.STATUS_CHANGED: gettext_lazy("A back-office system updated the status"),
    events.Event.SYSTEM_FETCHED: gettext_lazy("Taken by a back-office system"),
    events.Event.SYSTEM_ACKNOWLEDGED: gettext_lazy("A back-office system confirmed receipt"),
}


def system_actor(department: str) -> str:
    """「基幹システム（<課>）」: who acted, for an event by a department's back-office system."""
    return _("Back-office system (%(department)s)") % {"department": department}


def system_label(event: str) -> Promise | None:
    """The words for ``event`` done by a back-office system (None: not one it does)."""
    return SYSTEM_LABELS.get(event)


def system_status_changes(submission: Submission, *, language: str) -> dict[int, str]:
    """The status changes of ``submission`` set by a back-office system: StatusChange id →
    「基幹システム（<課>）」, or, on the LGWAN node, taken from the internet node by the pull
    (``by: internet_node``) → 「インターネット側ノード」, for the staff's history (where a change
    without a staff member would otherwise read as the applicant's).

    The workflow writes each StatusChange and its ``STATUS_CHANGED`` ledger event together,
    in the same order; the ledger's ``by: system`` says who acted. The two are paired in
    order by (from, to), so a change without its event (data made by hand) is skipped.
    """
    entries = list(
        ledger_selectors.entries_about(
            [events.submission_subject(submission.public_id)],
            [events.Event.STATUS_CHANGED.value],
        )
    )
    if not any(entry.detail.get("by") in ("system", "internet_node") for entry in entries):
        return {}
    names = {
        d.code: d.localized_name(language)
        for d in Department.objects.filter(municipality_id=submission.municipality_id)
    }
    found: dict[int, str] = {}
    position = 0
    for change in StatusChange.objects.filter(submission=submission).order_by("at", "id"):
        for index in range(position, len(entries)):
            detail = entries[index].detail
            if (detail.get("from"), detail.get("to")) == (change.from_status, change.to_status):
                position = index + 1
                if detail.get("by") == "system":
                    found[change.pk] = system_actor(
                        names.get(str(detail.get("department", "")), "")
                    )
                elif detail.get("by") == "internet_node":
                    # On the LGWAN node: a status its pull took from the internet node.
                    found[change.pk] = str(_("Internet-side node"))
                break
    return found
