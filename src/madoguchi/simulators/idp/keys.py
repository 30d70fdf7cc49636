"""The simulator's id_token signing keys (EC P-256, ES256), kept in the database.

Two keys are published at a time: the current one, which signs, and the previous
one, so that an id_token signed a moment before a rotation still verifies against
the JWKS a relying party fetches afterwards. ``madoguchi devidp rotate-keys`` makes
a new current key and drops everything older than the previous one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from joserfc.jwk import ECKey

from .models import OPKey

__all__ = ["current_signing_key", "published_jwks", "rotate_keys"]

ALGORITHM = "ES256"
PUBLISHED_KEYS = 2


def _new_key() -> OPKey:
    key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": ALGORITHM})
    kid = key.thumbprint()
    return OPKey.objects.create(kid=kid, private_jwk=key.as_dict(private=True, kid=kid))


def _import(op_key: OPKey) -> ECKey:
    return ECKey.import_key(op_key.private_jwk)


def current_signing_key() -> ECKey:
    """The key that signs id_tokens now; the first call creates one."""
    op_key = OPKey.objects.filter(active=True).first()
    if op_key is None:
        with transaction.atomic():
            op_key = OPKey.objects.select_for_update().filter(active=True).first() or _new_key()
    return _import(op_key)


def published_jwks() -> dict[str, Any]:
    """The public JWK Set served at ``.../protocol/openid-connect/certs``."""
    current_signing_key()  # a relying party may fetch the JWKS before the first login
    keys = OPKey.objects.filter(active=True)[:PUBLISHED_KEYS]
    return {"keys": [_import(k).as_dict(private=False) for k in keys]}


@transaction.atomic
def rotate_keys() -> OPKey:
    """Make a new signing key; keep the previous one published and delete the others."""
    new = _new_key()
    keep = list(OPKey.objects.filter(active=True).values_list("pk", flat=True)[:PUBLISHED_KEYS])
    OPKey.objects.exclude(pk__in=[new.pk, *keep]).delete()
    return new
