"""A generic OpenID Connect provider (an xID-like app, a city's own IdP)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from madoguchi.identity.base import BasicFour, ClaimMapping, IdentityBackend, claim_at, normalise


class GenericOIDC(IdentityBackend):
    """Any OpenID Connect provider.

    ``claim_mapping`` maps ``name``, ``address``, ``birth_date`` and ``sex`` to claim
    paths; the default is standard OIDC (``name``, ``address.formatted``, ``birthdate``,
    ``gender``).
    """

    # The database value predates the package name: "oidc", kept as it is.
    name = "oidc"
    label = _("OpenID Connect provider")
    default_scopes = "openid profile address"
    DEFAULT_MAPPING: ClassVar[dict[str, str]] = {
        "name": "name",
        "address": "address",
        "birth_date": "birthdate",
        "sex": "gender",
    }

    def basic_four(self, claims: Mapping[str, Any], mapping: ClaimMapping) -> BasicFour:
        paths = {**self.DEFAULT_MAPPING, **mapping}
        return normalise({item: claim_at(claims, path) for item, path in paths.items()})
