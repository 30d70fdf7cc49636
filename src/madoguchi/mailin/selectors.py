"""Reads of the mail-in channel."""

from __future__ import annotations

from madoguchi.submissions.services import hash_token

from .models import MailApplication


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
