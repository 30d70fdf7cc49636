"""What the simulated service says about a resident, in the service's own formats.

The Digital Authentication App service maps each of its scopes one-to-one to a claim
(``name``, ``address``, ``birthdate``, ``gender``; not OIDC's ``profile``) and returns
them from the UserInfo endpoint as plain strings: the name with the characters the
resident really has (𠮷, 髙, 﨑), the address as one string, the birth date as
``YYYYMMDD`` and the sex as the JPKI code ``"1"``/``"2"``/``"3"``. The public
documentation does not pin these formats down, so ``MADOGUCHI_DEVIDP_CLAIMS_PROFILE =
"oidc"`` switches to OIDC's shapes (``address.formatted``, ``YYYY-MM-DD``,
``male``/``female``) for testing a relying party that must accept both.

``sub`` is pairwise: each relying party sees a different, stable identifier for the
same card holder and cannot correlate residents with another service.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings

from .residents import DemoResident

__all__ = [
    "BASIC_FOUR_SCOPES",
    "AuthenticatedResident",
    "ClaimsProfile",
    "basic_four_items",
    "pairwise_subject",
]

BASIC_FOUR_SCOPES = ("name", "address", "birthdate", "gender")
ClaimsProfile = Literal["da", "oidc"]
_JPKI_SEX_CODES = {"male": "1", "female": "2"}  # anything else: "3" (不明 / other)


def pairwise_subject(*, client_id: str, resident_id: str) -> str:
    """``sub`` for this relying party: base64url(HMAC-SHA256(SECRET_KEY, client_id:resident_id)).

    The separator keeps ("RP1", "a") and ("RP1a", "") apart; client ids are alphanumeric.
    """
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"{client_id}:{resident_id}".encode(), hashlib.sha256
    )
    return urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthenticatedResident:
    """A card holder as one relying party sees them: the "user" handed to Authlib."""

    resident: DemoResident
    client_id: str

    @property
    def sub(self) -> str:
        return pairwise_subject(client_id=self.client_id, resident_id=self.resident.id)


def _profile() -> ClaimsProfile:
    profile = getattr(settings, "MADOGUCHI_DEVIDP_CLAIMS_PROFILE", "da")
    return "oidc" if profile == "oidc" else "da"


def basic_four_items(resident: DemoResident) -> dict[str, Any]:
    """The basic four items of ``resident``, keyed by claim (and scope) name."""
    oidc = _profile() == "oidc"
    return {
        "name": resident.name,
        "address": {"formatted": resident.address} if oidc else resident.address,
        "birthdate": resident.birth_date.isoformat()
        if oidc
        else resident.birth_date.strftime("%Y%m%d"),
        "gender": resident.sex if oidc else _JPKI_SEX_CODES.get(resident.sex, "3"),
    }
