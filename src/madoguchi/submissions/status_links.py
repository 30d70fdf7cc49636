"""Secret links to a submission's status page (申請状況), for applicants without a card.

A link is a random token; only its SHA-256 is stored (``StatusLink``), as for resume and
correction links. Each message that carries a link gets its own token, so an email sent
weeks later needs nothing kept from the first one.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.urls import reverse

# A module import: services imports notifications, which imports this module.
from . import services
from .models import StatusLink, Submission


def issue(submission: Submission) -> str:
    """A new secret status link token for ``submission``."""
    token = secrets.token_urlsafe(24)
    StatusLink.objects.create(submission=submission, token_hash=services.hash_token(token))
    return token


def absolute_url(token: str) -> str:
    """The status page behind ``token``, as written in an email."""
    return settings.MADOGUCHI_SITE_URL.rstrip("/") + reverse(
        "submissions:status", kwargs={"token": token}
    )


def submission_by_token(token: str) -> Submission:
    """The submission behind a status link; raises Submission.DoesNotExist when unknown."""
    return Submission.objects.select_related(
        "form_version__form", "municipality", "department", "identity"
    ).get(status_links__token_hash=services.hash_token(token))
