"""Reads of the mail-in channel."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.submissions.services import hash_token

from .models import MailApplication, MailStatus


def by_token(token: str) -> MailApplication:
    """The application behind the resident's secret link; raises DoesNotExist when unknown."""
    return MailApplication.objects.select_related(
        "form_version__form", "municipality", "department", "identity"
    ).get(token_hash=hash_token(token))


def by_token_or_none(token: str) -> MailApplication | None:
    try:
        return by_token(token)
    except MailApplication.DoesNotExist:
        return None


def pending_page(token: str) -> str | None:
    """The page of a mail application not yet arrived behind ``token`` (the status page's
    port, submissions.pending_links); None when there is none. An arrived one is a submission
    whose status link has the same hash, so the status page finds it itself."""
    application = by_token_or_none(token)
    if application is None or application.status == MailStatus.ARRIVED:
        return None
    return reverse("mail:prepared", kwargs={"token": token})
