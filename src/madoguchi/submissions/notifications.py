"""Emails to residents, always in the language they applied in."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import Submission

logger = logging.getLogger(__name__)


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
