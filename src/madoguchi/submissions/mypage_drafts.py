"""Drafts in progress on My page: only those bound to the person logged in with the card.

A draft's resume link is a secret of which only the hash is stored, so My page cannot
show the link the resident got earlier. 「続きから入力する」 gives the draft a new link
instead (the old one stops working: whoever held it is not the card holder logged in
here) and binds the draft's verified identity to this session, as the card login on the
draft itself does.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import services
from .models import Draft


def drafts_of(provider_id: int, subject: str, *, municipality_id: int) -> QuerySet[Draft]:
    """Live drafts this person started with their card in this municipality, newest first."""
    return (
        Draft.objects.filter(
            identity__provider_id=provider_id,
            identity__subject=subject,
            form_version__form__municipality_id=municipality_id,
            expires_at__gt=timezone.now(),
        )
        .select_related("form_version__form")
        .order_by("-updated_at", "-id")
    )


def reissue_link(draft: Draft) -> str:
    """Give ``draft`` a new secret resume token and return it (the old one stops working)."""
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        Draft.objects.filter(pk=draft.pk).update(token_hash=services.hash_token(token))
    draft.token_hash = services.hash_token(token)
    return token
