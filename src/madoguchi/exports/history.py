"""Exports in the resident's access history (やりとり履歴).

An export is one ledger event for many submissions; which submissions it held is kept beside
the export job (ExportedSubmission). Submissions sits below exports and cannot read that, so
this module registers a source with submissions.access_history (from ExportsConfig.ready()).
"""

from __future__ import annotations

from collections.abc import Sequence

from madoguchi.core import events
from madoguchi.submissions.access_history import SourcedEvent
from madoguchi.submissions.models import Submission

from . import selectors


def exported_events(submissions: Sequence[Submission], language: str) -> list[SourcedEvent]:
    """One line per completed export that held each submission, by the exporting department."""
    exports = selectors.exports_including_each(submissions, language=language)
    return [
        SourcedEvent(
            submission_id=submission.pk,
            at=export.at,
            event=events.Event.EXPORTED,
            actor=export.department,
        )
        for submission in submissions
        for export in exports.get(submission.pk, [])
    ]
