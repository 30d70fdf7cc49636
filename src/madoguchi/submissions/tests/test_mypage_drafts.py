"""My page lists the drafts the logged-in card holder started, and only theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.submissions import resident_session, selectors, services
from madoguchi.submissions.models import Draft
from madoguchi.tenants.models import Department
from madoguchi.testing.http import redirect_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(department: Department) -> IdentityProvider:
    return IdentityProvider.objects.create(
        municipality=department.municipality,
        key="card",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        assurance=Assurance.MYNUMBER_CARD,
        issuer="https://idp.example.jp",
        client_id="madoguchi",
    )


def _identity(provider: IdentityProvider, subject: str) -> VerifiedIdentity:
    now = timezone.now()
    return VerifiedIdentity.objects.create(
        provider=provider,
        subject=subject,
        assurance=Assurance.MYNUMBER_CARD,
        basic_four={"name": "加賀 太郎"},
        authenticated_at=now,
        verified_at=now,
    )


def _draft(version: FormVersion, identity: VerifiedIdentity | None) -> tuple[Draft, str]:
    draft, token = services.start_draft(form_version=version, language="ja")
    if identity is not None:
        services.attach_identity(draft=draft, identity=identity)
    return draft, token


def _logged_in(provider: IdentityProvider, subject: str) -> Client:
    client = Client()
    session = client.session
    session[resident_session.SESSION_RESIDENT] = {"provider": provider.pk, "subject": subject}
    session.save()
    return client


def test_my_page_lists_only_the_drafts_the_logged_in_person_started_with_the_card(
    form_version: FormVersion, provider: IdentityProvider
) -> None:
    mine, _token = _draft(form_version, _identity(provider, "taro"))
    _draft(form_version, _identity(provider, "hanako"))
    _draft(form_version, None)
    client = _logged_in(provider, "taro")
    lg_code = form_version.form.municipality.lg_code

    page = client.get(reverse("submissions:mypage", args=[lg_code])).content.decode()

    assert page.count('data-testid="mypage-draft"') == 1
    assert reverse("submissions:mypage_continue_draft", args=[lg_code, mine.pk]) in page
    assert "（20" in page  # dates in 和暦 with the Western year


def test_continuing_from_my_page_opens_the_draft_with_a_new_link_and_the_old_one_stops(
    form_version: FormVersion, provider: IdentityProvider, settings: Any
) -> None:
    draft, old_token = _draft(form_version, _identity(provider, "taro"))
    client = _logged_in(provider, "taro")
    lg_code = form_version.form.municipality.lg_code

    opened = client.post(
        reverse("submissions:mypage_continue_draft", args=[lg_code, draft.pk]), follow=True
    )

    assert opened.status_code == 200
    assert opened.redirect_chain[0][0].startswith("/apply/")
    with pytest.raises(Draft.DoesNotExist):
        selectors.draft_by_token(old_token)


def test_another_persons_draft_cannot_be_continued_from_my_page(
    form_version: FormVersion, provider: IdentityProvider
) -> None:
    theirs, token = _draft(form_version, _identity(provider, "hanako"))
    lg_code = form_version.form.municipality.lg_code
    url = reverse("submissions:mypage_continue_draft", args=[lg_code, theirs.pk])

    refused = _logged_in(provider, "taro").post(url)
    anonymous = Client().post(url)

    assert refused.status_code == 404
    assert redirect_of(anonymous) == (302, reverse("submissions:mypage", args=[lg_code]))
    assert selectors.draft_by_token(token).pk == theirs.pk
