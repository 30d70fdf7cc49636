from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Municipality


class Assurance(models.TextChoices):
    """What a provider proves about a person."""

    MYNUMBER_CARD = "mynumber", _("My Number Card")
    ACCOUNT = "account", _("Account")


class IdentityProvider(models.Model):
    """An OpenID Connect provider a municipality trusts, configured as a relying party.

    ``kind`` names the plugin (see :mod:`madoguchi.identity.registry`) that knows the
    provider's scopes and claim formats.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="identity_providers"
    )
    key = models.SlugField(_("key"), max_length=50)
    kind = models.CharField(_("kind"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    assurance = models.CharField(max_length=20, choices=Assurance.choices)
    issuer = models.URLField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client ID"), max_length=255)
    # The relying party's private signing key for private_key_jwt (a JWK). In production
    # load it from the secret store into this field at deploy time; it is never shown.
    client_private_jwk = models.JSONField(default=dict, blank=True)
    scopes = models.CharField(max_length=300, default="openid")
    acr_values = models.CharField(max_length=100, blank=True)
    # For generic OIDC providers: basic-four-item name -> claim path ("address.formatted").
    claim_mapping = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="identity_provider_key")
        ]

    def __str__(self) -> str:
        return f"{self.municipality.lg_code}/{self.key}"

    def localized_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class VerifiedIdentity(models.Model):
    """The outcome of one successful identity verification.

    ``subject`` is the provider's (pairwise) identifier hashed with our key, so the
    same person is recognisable within this system without storing the raw value.
    """

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=64, db_index=True)
    assurance = models.CharField(max_length=20, choices=Assurance.choices)
    acr = models.CharField(max_length=50, blank=True)
    # The basic four items as verified: name, address, birth_date (ISO), sex.
    basic_four = models.JSONField(default=dict)
    certificate_serial = models.CharField(max_length=80, blank=True)
    certificate_issuer = models.CharField(max_length=300, blank=True)
    authenticated_at = models.DateTimeField()
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.provider} {self.subject[:8]} @ {self.verified_at:%Y-%m-%d %H:%M}"
