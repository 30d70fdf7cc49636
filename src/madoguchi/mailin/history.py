"""The mail-in steps in the resident's access history (やりとり履歴).

A mail application's events (``MAIL_PREPARED``, ``MAIL_ARRIVED``) are about the paper, not
yet about a submission, so the ledger files them under the mail reference. Once the paper
arrived the application points at its submission; this module adds both steps to that
submission's history (registered with submissions.access_history in MailinConfig.ready()).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.submissions.access_history import SourcedEvent
from madoguchi.submissions.models import Submission

from .models import MailApplication


def mail_events(submissions: Sequence[Submission], language: str) -> list[SourcedEvent]:
    """Made for post (by the resident) and arrived (taken in by the department), per paper."""
    applications = MailApplication.objects.filter(
        submission__in=[s.pk for s in submissions], arrived_at__isnull=False
    ).select_related("department")
    found: list[SourcedEvent] = []
    with translation.override(language):
        you = _("You")
        for application in applications:
            assert application.submission_id is not None and application.arrived_at is not None
            found += [
                SourcedEvent(
                    submission_id=application.submission_id,
                    at=application.created_at,
                    event=events.Event.MAIL_PREPARED,
                    actor=you,
                ),
                SourcedEvent(
                    submission_id=application.submission_id,
                    at=application.arrived_at,
                    event=events.Event.MAIL_ARRIVED,
                    actor=application.department.localized_name(language),
                ),
            ]
    return found
