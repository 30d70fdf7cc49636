"""The ports through which the signing app joins the flow (submissions.signing)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from madoguchi.signatures import services as signature_services
from madoguchi.signatures import views as signature_views
from madoguchi.submissions import signing


def test_the_signing_app_plugs_in_its_signing_step_and_its_integrity_check() -> None:
    assert signing._steps == {
        "draft": signature_views.begin_signing,
        "correction": signature_views.begin_correction_signing,
    }
    assert signature_services.signature_problems in signing.integrity_checks()


def test_a_signed_form_without_a_signing_app_fails_loudly_rather_than_sending_unsigned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signing, "_steps", {})
    request = RequestFactory().post("/")
    with pytest.raises(ImproperlyConfigured):
        signing.begin_signing(request, None, "token")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured):
        signing.begin_correction_signing(request, None, "token")  # type: ignore[arg-type]


def test_an_integrity_check_registered_twice_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing, "_checks", [])

    def check(submission: object) -> list[str]:
        return []

    signing.register_integrity_check(check)
    signing.register_integrity_check(check)
    assert signing.integrity_checks() == [check]
