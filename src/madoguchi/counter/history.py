"""The counter steps in the resident's access history (やりとり履歴).

A pre-registration's events are about the pre-registration, not yet a submission, so the
ledger files them under its reference. Once accepted, the visit application points at its
submission; this module adds the steps to that submission's history (registered with
submissions.access_history in CounterConfig.ready()): pre-registered (by the resident),
checked in and confirmed at the counter (by the department).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.submissions.access_history import SourcedEvent
from madoguchi.submissions.models import Submission

from .models import VisitApplication


def counter_events(submissions: Sequence[Submission], language: str) -> list[SourcedEvent]:
    """Pre-registered, checked in, and confirmed at the counter (accepted), per application."""
    applications = VisitApplication.objects.filter(
        submission__in=[s.pk for s in submissions]
    ).select_related("preregistration", "visit__department", "submission")
    found: list[SourcedEvent] = []
    with translation.override(language):
        you = _("You")
        for application in applications:
            assert application.submission is not None
            department = application.visit.department.localized_name(language)
            preregistration = application.preregistration
            if preregistration is not None:
                found.append(
                    SourcedEvent(
                        submission_id=application.submission.pk,
                        at=preregistration.created_at,
                        event=events.Event.COUNTER_PREREGISTERED,
                        actor=you,
                    )
                )
                if preregistration.checked_in_at is not None:
                    found.append(
                        SourcedEvent(
                            submission_id=application.submission.pk,
                            at=preregistration.checked_in_at,
                            event=events.Event.COUNTER_CHECKED_IN,
                            actor=department,
                        )
                    )
            found.append(
                SourcedEvent(
                    submission_id=application.submission.pk,
                    at=application.submission.submitted_at,
                    event=events.Event.COUNTER_ACCEPTED,
                    actor=department,
                )
            )
    return found
