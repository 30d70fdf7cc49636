"""Identity provider backends are found by the name stored in IdentityProvider.kind."""

from __future__ import annotations

import pytest
from django.utils import translation

from madoguchi.core.registry import DuplicateBackend, UnknownBackend
from madoguchi.identity import registry
from madoguchi.identity.contrib.generic_oidc.backend import GenericOIDC


def test_the_built_in_backends_are_registered_when_django_starts() -> None:
    assert registry.names() == ["digital_auth_app", "oidc"]


def test_an_unknown_backend_is_a_clear_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownBackend, match=r"'fax' \(known: digital_auth_app, oidc\)"):
        registry.backend("fax")


def test_another_backend_under_a_registered_name_is_refused() -> None:
    class Impostor(GenericOIDC):
        pass

    with pytest.raises(DuplicateBackend):
        registry.register(Impostor())
    assert type(registry.backend("oidc")) is GenericOIDC


def test_choices_label_each_backend_for_staff() -> None:
    with translation.override("ja"):
        choices = dict(registry.choices())

    assert choices["digital_auth_app"] == "デジタル認証アプリ"
    assert set(choices) == {"digital_auth_app", "oidc"}
