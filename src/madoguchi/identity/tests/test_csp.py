"""Pages whose forms start a login or a signature let the browser follow the redirect to
the provider's origin (Content-Security-Policy form-action), and only those pages, and
only those origins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.forms.models import FormVersion
from madoguchi.identity import csp
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.identity.tests.fake_op import FakeOP, running
from madoguchi.submissions import resident_session
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Draft
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form

NAME_STEP: dict[str, Any] = {
    "key": "applicant",
    "title": "申請者",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "prefill": "name"},
        {"key": "phone", "type": "phone", "label": "電話番号", "required": True},
    ],
}
CARD_FORM = {"title": "人間ドック助成金申請", "identity": "mynumber_auth", "steps": [NAME_STEP]}
SIGNED_FORM = {"title": "廃車申告", "identity": "mynumber_sign", "steps": [NAME_STEP]}
PLAIN_FORM = {
    "title": "住民アンケート",
    "steps": [
        {"key": "a", "title": "質問", "fields": [{"key": "q", "type": "text", "label": "Q"}]}
    ],
}


class AuthorizesElsewhere(FakeOP):
    """A provider whose authorization endpoint is on another origin than its issuer."""

    def discovery(self) -> dict[str, Any]:
        document = super().discovery()
        port = self.base_url.rsplit(":", 1)[1]
        document["authorization_endpoint"] = f"http://localhost:{port}/auth"
        return document


@pytest.fixture
def op() -> Iterator[FakeOP]:
    cache.clear()
    with running(AuthorizesElsewhere()) as provider:
        yield provider
    cache.clear()


def _provider(department: Department, issuer: str) -> IdentityProvider:
    return IdentityProvider.objects.create(
        municipality=department.municipality,
        key="digital-auth-app",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        assurance=Assurance.MYNUMBER_CARD,
        issuer=issuer,
        client_id="RP172065",
        client_private_jwk=identity_services.new_client_key("RP-1"),
        scopes="openid name address birthdate gender",
    )


@pytest.fixture
def provider(department: Department, op: FakeOP) -> IdentityProvider:
    return _provider(department, op.issuer)


def form_action(response: Any) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    return list(directive.split()[1:])


def _start_url(version: FormVersion) -> str:
    form = version.form
    return reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])


def test_the_start_page_of_a_card_form_allows_the_issuer_and_authorization_endpoint_origins(
    department: Department, provider: IdentityProvider, op: FakeOP
) -> None:
    version = publish_form(department=department, slug="ningen-dock", schema=CARD_FORM)
    port = op.base_url.rsplit(":", 1)[1]

    page = Client().get(_start_url(version))

    assert page.status_code == 200
    assert form_action(page) == ["'self'", op.base_url, f"http://localhost:{port}"]


def test_pages_whose_forms_start_no_login_allow_only_their_own_origin(
    department: Department, provider: IdentityProvider
) -> None:
    version = publish_form(department=department, slug="survey", schema=PLAIN_FORM)
    client = Client()

    pages = [client.get(_start_url(version)), client.get(reverse("submissions:home"))]

    assert [form_action(page) for page in pages] == [["'self'"], ["'self'"]]


def test_my_page_login_allows_the_providers_of_its_municipality(
    department: Department, provider: IdentityProvider, op: FakeOP
) -> None:
    page = Client().get(reverse("submissions:mypage", args=[department.municipality.lg_code]))

    assert page.status_code == 200
    assert op.base_url in form_action(page)


def test_the_review_page_of_a_signed_form_allows_the_provider_of_the_card_login(
    department: Department, provider: IdentityProvider, op: FakeOP
) -> None:
    version = publish_form(department=department, slug="haisha", schema=SIGNED_FORM)
    draft, token = submission_services.start_draft(form_version=version, language="ja")
    now = timezone.now()
    identity = VerifiedIdentity.objects.create(
        provider=provider,
        subject="a" * 64,
        assurance=Assurance.MYNUMBER_CARD,
        basic_four={"name": "加賀 太郎", "birth_date": "1975-04-01", "address": "石川県加賀市"},
        authenticated_at=now,
        verified_at=now,
    )
    submission_services.attach_identity(draft=draft, identity=identity)
    draft.answers |= {"name": "加賀 太郎", "phone": "0761-72-1111"}
    draft.completed_steps = 1
    draft.save()
    browser = Client()
    session = browser.session
    resident_session.bind_identity(session, draft)  # this browser did the card login
    session.save()
    page = browser.get(reverse("submissions:review", kwargs={"token": token}))

    assert page.status_code == 200, page.content
    assert op.base_url in form_action(page)


def test_no_draft_is_left_when_the_provider_cannot_be_reached(department: Department) -> None:
    cache.clear()
    _provider(department, "http://127.0.0.1:9/realms/main")
    version = publish_form(department=department, slug="ningen-dock", schema=CARD_FORM)

    response = Client().post(_start_url(version), {"provider": "digital-auth-app"})

    assert response.status_code == 503
    assert "ただいま本人確認サービスに接続できません" in response.text
    assert not Draft.objects.exists()
    assert form_action(response) == ["'self'", "http://127.0.0.1:9"]


@given(
    scheme=st.sampled_from(["http", "https"]),
    host=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}", fullmatch=True),
    port=st.none() | st.integers(min_value=1, max_value=65535),
    path=st.from_regex(r"(/[A-Za-z0-9._~-]{0,10}){0,4}(\?[a-z=&]{0,10})?", fullmatch=True),
)
def test_the_origin_of_a_url_is_its_scheme_host_and_non_default_port(
    scheme: str, host: str, port: int | None, path: str
) -> None:
    url = f"{scheme}://{host}{f':{port}' if port is not None else ''}{path}"
    default = 443 if scheme == "https" else 80

    allowed = csp.origin(url)

    shown_port = f":{port}" if port is not None and port != default else ""
    assert allowed == f"{scheme}://{host}{shown_port}"


@pytest.mark.parametrize(
    "url",
    ["", "/relative", "javascript:alert(1)", "data:text/html,x", "http://", "http://h:99999/"],
)
def test_anything_but_an_absolute_http_url_has_no_origin(url: str) -> None:
    assert csp.origin(url) == ""
