from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from madoguchi.identity.models import IdentityProvider
from madoguchi.testing.factories import MunicipalityFactory


@pytest.mark.django_db
def test_a_city_adds_a_generic_oidc_provider_with_a_claim_mapping() -> None:
    MunicipalityFactory(lg_code="172065")
    out = StringIO()

    call_command(
        "identity",
        "add-provider",
        "172065",
        "xid",
        "--kind",
        "oidc",
        "--name",
        "xID",
        "--issuer",
        "https://idp.example.jp",
        "--client-id",
        "kaga",
        "--assurance",
        "mynumber",
        "--claim-mapping",
        '{"address": "address.formatted"}',
        stdout=out,
    )

    provider = IdentityProvider.objects.get(key="xid")
    assert provider.scopes == "openid profile address"
    assert provider.claim_mapping == {"address": "address.formatted"}
    assert provider.client_private_jwk["kty"] == "RSA"
    public = json.loads(out.getvalue().split("provider:\n", 1)[1])
    assert "d" not in public["keys"][0]


@pytest.mark.django_db
def test_a_mapping_that_is_not_json_is_refused() -> None:
    MunicipalityFactory(lg_code="172065")

    with pytest.raises(CommandError, match="not JSON"):
        call_command(
            "identity",
            "add-provider",
            "172065",
            "xid",
            "--kind",
            "oidc",
            "--name",
            "xID",
            "--issuer",
            "https://idp.example.jp",
            "--client-id",
            "kaga",
            "--claim-mapping",
            "{",
        )
