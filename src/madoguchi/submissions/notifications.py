"""Emails to residents, always in the language they applied in."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import status_links, status_panels
from .models import Status

if TYPE_CHECKING:
    from .models import ResultDocument, StatusChange, Submission

logger = logging.getLogger(__name__)

# What happened, in plain words: the status page and every status email say this, never
# only the status's name.
STATUS_NEWS: dict[str, Any] = {
    Status.RECEIVED: gettext_lazy("Your application was received."),
    Status.IN_REVIEW: gettext_lazy("The department has started reviewing your application."),
    Status.RETURNED: gettext_lazy("Your application needs a correction."),
    Status.RESUBMITTED: gettext_lazy("Your corrected application was received."),
    Status.APPROVED: gettext_lazy("The review is finished: your application was approved."),
    Status.REJECTED: gettext_lazy(
        "The review is finished: your application could not be approved."
    ),
    Status.COMPLETED: gettext_lazy("The procedure is complete."),
    Status.WITHDRAWN: gettext_lazy("You withdrew your application."),
}


def status_news(status: str) -> str:
    return str(STATUS_NEWS.get(status, Status(status).label))


def confirmation_context(submission: Submission, language: str) -> dict[str, Any]:
    """What the confirmation page and the confirmation email both say."""
    schema = submission.form_version.schema
    return {
        "submission": submission,
        "title": schema.title.get(language),
        "municipality": submission.municipality.localized_name(language),
        "department": submission.department,
        "department_name": submission.department.localized_name(language),
        "message": schema.confirmation_message.get(language) if schema.confirmation_message else "",
    }


def send_confirmation(submission: Submission) -> None:
    """Tell the applicant their receipt number. Answers stay out of email on purpose."""
    if not submission.contact_email:
        return
    with translation.override(submission.language):
        context = confirmation_context(submission, submission.language)
        context["site_url"] = settings.MADOGUCHI_SITE_URL
        context["status_url"] = status_links.absolute_url(status_links.issue(submission))
        # What apps above add (the fee to pay), in the applicant's language.
        context["notes"] = status_panels.email_notes(submission)
        subject = _("[%(municipality)s] Your application was received (%(receipt)s)") % {
            "municipality": context["municipality"],
            "receipt": submission.receipt_number,
        }
        body = render_to_string("submissions/email/confirmation.txt", context)
    try:
        send_mail(subject, body, None, [submission.contact_email])
    except OSError:
        # The submission stands; the resident has the receipt number on screen.
        logger.exception("confirmation email failed for %s", submission.receipt_number)


def send_status_update(
    submission: Submission,
    change: StatusChange,
    *,
    correction_token: str = "",
    result: ResultDocument | None = None,
) -> None:
    """Tell the applicant, in plain words, what happened to their application.

    Every email links to the status page (a new secret link); a return for correction
    carries the correction link, a delivered result names the document. The reason staff
    gave is included (the applicant must know what to fix); the answers are not.
    """
    if not submission.contact_email:
        return
    # Only what the applicant should hear about, as the form says (not 審査中 by default).
    if not submission.form_version.schema.notifies(
        change.to_status, result_delivered=result is not None
    ):
        return
    with translation.override(submission.language):
        context = confirmation_context(submission, submission.language)
        documents = [result.display_name] if result is not None else []
        context |= {
            "site_url": settings.MADOGUCHI_SITE_URL,
            "status": Status(change.to_status).label,
            "news": status_news(change.to_status),
            "documents": documents,
            "status_url": status_links.absolute_url(status_links.issue(submission)),
            "reason": change.reason,
            "correction_url": (
                settings.MADOGUCHI_SITE_URL.rstrip("/")
                + reverse("submissions:correction", args=[correction_token])
                if correction_token
                else ""
            ),
        }
        if correction_token:
            context |= correction_context(submission)
        subject = _("[%(municipality)s] Your application %(receipt)s: %(status)s") % {
            "municipality": context["municipality"],
            "receipt": submission.receipt_number,
            "status": context["status"],
        }
        body = render_to_string("submissions/email/status_update.txt", context)
    try:
        send_mail(subject, body, None, [submission.contact_email])
    except OSError:
        logger.exception("status email failed for %s", submission.receipt_number)


def correction_context(submission: Submission) -> dict[str, Any]:
    """What a return-for-correction email names: the reopened questions and the deadline.

    Dates in the applicant's language (和暦 with the western year in Japanese); call inside
    ``translation.override``.
    """
    from django.utils import timezone

    from madoguchi.forms.answers import display_date

    correction = submission.corrections.filter(resubmitted_at__isnull=True).last()
    if correction is None:
        return {}
    schema = submission.form_version.schema
    language = translation.get_language() or "ja"
    labels = []
    for key in correction.fields:
        try:
            labels.append(schema.field(key).label.get(language))
        except KeyError:
            continue
    return {
        "correction_fields": labels,
        "correction_deadline": display_date(timezone.localtime(correction.expires_at).date()),
    }
