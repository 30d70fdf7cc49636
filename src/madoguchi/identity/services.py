"""Writes for identity: start and finish a login, and what a verified identity fills in."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from joserfc.jwk import RSAKey

from madoguchi.core import events
from madoguchi.forms import fieldtypes
from madoguchi.forms.schema import FormSchema
from madoguchi.tenants.models import Municipality

from . import client_keys, oidc, registry
from .base import ClaimsUnusable, normalise
from .models import Assurance, IdentityProvider, VerifiedIdentity

logger = logging.getLogger("madoguchi.identity")

SESSION_PENDING = "madoguchi_identity_pending"
MAX_PENDING = 5
PENDING_SECONDS = 15 * 60


LoginHandler = Callable[[HttpRequest, IdentityProvider, oidc.PendingLogin], HttpResponse]
_login_handlers: dict[str, LoginHandler] = {}


def on_login(purpose: str) -> Callable[[LoginHandler], LoginHandler]:
    """Register what the callback does for logins started with ``purpose``.

    Apps that start logins of their own (signing, the resident's page) register a handler
    in their ``AppConfig.ready``; identity does not need to know them.
    """

    def decorator(handler: LoginHandler) -> LoginHandler:
        _login_handlers[purpose] = handler
        return handler

    return decorator


def login_handler(purpose: str) -> LoginHandler | None:
    return _login_handlers.get(purpose)


def begin_login(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    next_key: str,
    purpose: str = "draft",
    scope: str | None = None,
    extra_params: Mapping[str, str] | None = None,
    level: str = "",
) -> str:
    """Remember a new login in the session and return the provider URL to send the resident to.

    ``next_key`` is what the login is for (a draft's resume token); it stays server-side.
    ``purpose`` picks the callback handler (see :func:`on_login`).
    """
    redirect_uri = request.build_absolute_uri(reverse("identity:callback"))
    url, pending = oidc.authorization_url(
        provider,
        redirect_uri=redirect_uri,
        next_key=next_key,
        purpose=purpose,
        scope=scope,
        extra_params=extra_params,
        level=level,
    )
    waiting = dict(request.session.get(SESSION_PENDING, {}))
    # A few parallel tabs are fine; the oldest unfinished logins are forgotten.
    kept = sorted(waiting.items(), key=lambda item: item[1]["started_at"])[-(MAX_PENDING - 1) :]
    request.session[SESSION_PENDING] = dict([*kept, (pending.state, pending.to_session())])
    return url


def take_pending(request: HttpRequest, state: str) -> oidc.PendingLogin | None:
    """The login this callback answers, removed from the session so it works only once."""
    waiting = dict(request.session.get(SESSION_PENDING, {}))
    data = waiting.pop(state, None)
    request.session[SESSION_PENDING] = waiting
    if data is None:
        return None
    pending = oidc.PendingLogin.from_session(data)
    if timezone.now().timestamp() - pending.started_at > PENDING_SECONDS:
        return None
    return pending


_TRY_AGAIN = gettext_lazy(
    "We could not confirm your identity. Please try again. "
    "If it happens again, contact the city office."
)
_TOKEN_MESSAGES = {
    # The code expired or was used: the usual cause is a login left open too long.
    "invalid_grant": gettext_lazy(
        "The identity check took too long or was already used. Please start it again."
    ),
    # Our registration at the provider is wrong: only the city can fix it.
    "invalid_client": gettext_lazy(
        "The city's connection to the identity service is not working, so your identity "
        "could not be confirmed. Please contact the city office. Where the form allows it, "
        "you can apply without the card."
    ),
    "unauthorized_client": gettext_lazy(
        "The city's connection to the identity service is not working, so your identity "
        "could not be confirmed. Please contact the city office. Where the form allows it, "
        "you can apply without the card."
    ),
}
_TOKEN_REFUSED = gettext_lazy(
    "The identity service refused the login just now. Please try again in a few minutes. "
    "If it happens again, contact the city office."
)
_ACR_TOO_LOW = gettext_lazy(
    "Your identity was not confirmed at the level this procedure needs. "
    "Please log in again with your My Number Card and its 4-digit PIN."
)


def failure_message(failure: oidc.LoginFailed) -> str:
    """What the resident is told when a login fails: what happened and what to do next."""
    if isinstance(failure, oidc.AssuranceTooLow):
        return str(_ACR_TOO_LOW)
    if isinstance(failure, oidc.TokenRefused):
        return str(_TOKEN_MESSAGES.get(failure.error, _TOKEN_REFUSED))
    return str(_TRY_AGAIN)


def subject_pseudonym(provider: IdentityProvider, subject: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{provider.issuer}|{subject}".encode(), hashlib.sha256).hexdigest()


def finish_login(
    provider: IdentityProvider, pending: oidc.PendingLogin, query: Mapping[str, str]
) -> VerifiedIdentity:
    """Complete the OIDC flow and record the verified identity (raises on any failed check)."""
    try:
        result = oidc.complete(provider, pending, query)
        items = registry.backend(provider.kind).basic_four(result.userinfo, provider.claim_mapping)
    except oidc.LoginFailed as failure:
        logger.warning("identity login failed at %s: check=%s", provider, failure.check)
        raise
    except ClaimsUnusable as error:
        logger.warning("identity claims unusable from %s: %s", provider, error)
        raise oidc.LoginFailed("claims", str(error)) from error
    identity = VerifiedIdentity.objects.create(
        provider=provider,
        subject=subject_pseudonym(provider, result.subject),
        assurance=provider.assurance,
        acr=result.acr[:50],
        basic_four=items,
        authenticated_at=datetime.fromtimestamp(result.auth_time, tz=UTC),
        verified_at=timezone.now(),
    )
    events.record(
        events.Event.IDENTITY_VERIFIED,
        actor=f"person:{identity.subject[:24]}",
        subject=f"identity:{identity.pk}",
        detail={"provider": str(provider), "assurance": identity.assurance},
    )
    return identity


# The identity "provider" of card reads at the city's own counter (madoguchi.counter.card):
# one disabled row per municipality, so a counter identity has a provider like any other
# (pages that name it say 窓口) but can never be used to start a login.
COUNTER_CARD_PROVIDER = "counter-card"
COUNTER_CARD_KIND = "counter_card"
COUNTER_CARD_ACR = "counter_card"


def counter_card_identity(
    *, municipality: Municipality, card_key: str, items: Mapping[str, Any], read_at: datetime
) -> VerifiedIdentity:
    """Record an identity verified at the counter from the My Number Card itself.

    ``items`` are the basic four items read from the card's 券面事項入力補助AP (sex as the
    card codes it, ``1``/``2``/``9``), trusted because the caller has proven the card
    genuine and unrevoked with its JPKI authentication certificate; ``card_key`` names that
    certificate (issuer and serial) and becomes the hashed subject. The assurance is the
    My Number Card's, as online; ``acr`` says it was read at the counter.
    Raises :class:`ClaimsUnusable` for items that cannot be read.
    """
    raw = dict(items)
    raw["sex"] = {"1": "male", "2": "female", "9": "other"}.get(str(raw.get("sex", "")), "")
    basic_four = normalise(raw)
    provider, _created = IdentityProvider.objects.get_or_create(
        municipality=municipality,
        key=COUNTER_CARD_PROVIDER,
        defaults={
            "kind": COUNTER_CARD_KIND,
            "name": "窓口（マイナンバーカード読取）",
            "name_en": "City counter (My Number Card read)",
            "assurance": Assurance.MYNUMBER_CARD,
            "issuer": f"urn:madoguchi:counter-card:{municipality.lg_code}",
            "client_id": "",
            "enabled": False,
        },
    )
    identity = VerifiedIdentity.objects.create(
        provider=provider,
        subject=subject_pseudonym(provider, card_key),
        assurance=Assurance.MYNUMBER_CARD,
        acr=COUNTER_CARD_ACR,
        basic_four=basic_four,
        authenticated_at=read_at,
        verified_at=timezone.now(),
    )
    events.record(
        events.Event.IDENTITY_VERIFIED,
        actor=f"person:{identity.subject[:24]}",
        subject=f"identity:{identity.pk}",
        detail={"provider": str(provider), "assurance": identity.assurance},
    )
    return identity


# Which basic-four item fills a field marked with ``prefill`` in the schema. The reading
# (name_kana) and postal code are not on the card, so the resident still types them.
_PREFILL_ITEMS = {"name": "name", "address": "address", "birth_date": "birth_date", "sex": "sex"}


def locked_answers(schema: FormSchema, identity: VerifiedIdentity | None) -> dict[str, Any]:
    """Answers the verified identity fixes: the resident sees them but cannot change them."""
    if identity is None:
        return {}
    locked: dict[str, Any] = {}
    for field in schema.fields():
        item = _PREFILL_ITEMS.get(field.prefill or "")
        value = identity.basic_four.get(item) if item else None
        if not value:
            continue
        # The question's type shapes the answer (a choice takes only one of its options).
        answer = fieldtypes.of(field).card_answer(field, value)
        if answer is not None:
            locked[field.key] = answer
    return locked


def new_client_key(kid: str) -> dict[str, Any]:
    """A fresh RSA-2048 private JWK for private_key_jwt (RS256, accepted by the service)."""
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    return dict(key.as_dict(private=True))


def public_jwks(providers: list[IdentityProvider]) -> dict[str, Any]:
    """The public keys of these providers' client assertions.

    A provider whose stored key is unusable is left out and logged by id (never the key),
    so one bad configuration does not take the others' keys offline.
    """
    keys = []
    for provider in providers:
        if not provider.client_private_jwk:
            continue
        try:
            keys.append(client_keys.public_jwk(provider.client_private_jwk, kind=provider.kind))
        except (client_keys.ClientKeyRefused, LookupError) as refused:
            logger.error(
                "identity provider=%s left out of the JWKS, its client key is unusable: %s",
                provider.pk,
                refused,
            )
    return {"keys": keys}


def save_provider(
    *, municipality: Municipality, key: str, values: Mapping[str, Any]
) -> tuple[IdentityProvider, bool]:
    """Create or update a municipality's provider; the change is an audited configuration event.

    Raises :class:`client_keys.ClientKeyRefused` (nothing saved) for a client key the
    provider's kind cannot use.
    """
    if values.get("client_private_jwk"):
        client_keys.check(values["client_private_jwk"], kind=str(values["kind"]))
    with transaction.atomic():
        provider, created = IdentityProvider.objects.update_or_create(
            municipality=municipality, key=key, defaults=dict(values)
        )
        events.record(
            events.Event.CONFIG_CHANGED,
            actor="operator",
            subject=f"identity_provider:{municipality.lg_code}/{key}",
            detail={"change": "created" if created else "updated", "issuer": provider.issuer},
        )
    return provider, created
