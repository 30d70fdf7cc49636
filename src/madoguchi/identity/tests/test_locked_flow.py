"""A verified identity fills the form, cannot be overridden, and travels with the submission."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.submissions import resident_session
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import publish_form
from madoguchi.testing.staff import log_in_staff

SCHEMA: dict[str, Any] = {
    "title": {"ja": "人間ドック助成金申請", "en": "Check-up subsidy"},
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": "氏名",
                    "required": True,
                    "prefill": "name",
                },
                {
                    "key": "born",
                    "type": "date",
                    "label": "生年月日",
                    "required": True,
                    "prefill": "birth_date",
                },
                {"key": "phone", "type": "phone", "label": "電話番号", "required": True},
            ],
        }
    ],
}


@pytest.fixture
def staff_client(staff: StaffMember) -> Client:
    """A Japanese browser in which the department's staff member passed both factors."""
    return log_in_staff(staff, language="ja")


@pytest.fixture
def version(department: Department) -> FormVersion:
    return publish_form(department=department, slug="ningen-dock", schema=SCHEMA)


@pytest.fixture
def verified(department: Department) -> VerifiedIdentity:
    provider = IdentityProvider.objects.create(
        municipality=department.municipality,
        key="digital-auth-app",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        assurance=Assurance.MYNUMBER_CARD,
        issuer="http://127.0.0.1:9/realms/main",
        client_id="RP1",
    )
    now = timezone.now()
    return VerifiedIdentity.objects.create(
        provider=provider,
        subject="a" * 64,
        assurance=Assurance.MYNUMBER_CARD,
        acr="aal3",
        basic_four={"name": "加賀 太郎", "birth_date": "1975-04-01", "address": "石川県加賀市"},
        authenticated_at=now,
        verified_at=now,
    )


def test_the_resident_cannot_replace_what_the_card_says(
    version: FormVersion, verified: VerifiedIdentity
) -> None:
    draft, token = submission_services.start_draft(form_version=version, language="ja")
    submission_services.attach_identity(draft=draft, identity=verified)
    client = Client()
    session = client.session
    resident_session.bind_identity(session, draft)  # this browser did the card login
    session.save()

    page = client.get(reverse("submissions:step", kwargs={"token": token, "number": 1}))
    client.post(
        reverse("submissions:step", kwargs={"token": token, "number": 1}),
        {
            "name": "別人 花子",
            "born__era": "seireki",
            "born__year": "2000",
            "born__month": "1",
            "born__day": "1",
            "phone": "0761-72-1111",
        },
    )
    client.post(reverse("submissions:review", kwargs={"token": token}))

    assert 'value="加賀 太郎"' in page.text and "readonly" in page.text
    submission = Submission.objects.get()
    assert submission.answers["name"] == "加賀 太郎"
    assert submission.answers["born"] == "1975-04-01"
    assert submission.identity == verified
    assert submission.identity_level == "mynumber"
    assert submission.prefilled_fields == ["born", "name"]


def test_staff_see_that_the_applicant_was_verified_with_the_card(
    version: FormVersion, verified: VerifiedIdentity, staff_client: Client
) -> None:
    draft, _token = submission_services.start_draft(form_version=version, language="ja")
    submission_services.attach_identity(draft=draft, identity=verified)
    draft.answers["phone"] = "0761-72-1111"
    draft.completed_steps = 1
    draft.save()
    submission = submission_services.submit_draft(draft=draft)

    page = staff_client.get(reverse("backoffice:detail", args=[submission.receipt_number]))

    assert "本人確認済み（マイナンバーカード）" in page.text
    assert "デジタル認証アプリ" in page.text
    assert "氏名" in page.text and "生年月日" in page.text


def test_a_form_that_requires_the_card_cannot_be_submitted_without_it(
    department: Department,
) -> None:
    schema = {**SCHEMA, "identity": "mynumber_auth"}
    version = publish_form(department=department, slug="strict", schema=schema)
    draft, _token = submission_services.start_draft(form_version=version, language="ja")
    draft.answers = {"name": "加賀 太郎", "born": "1975-04-01", "phone": "0761-72-1111"}
    draft.save()

    with pytest.raises(submission_services.IdentityRequired):
        submission_services.submit_draft(draft=draft)

    assert not Submission.objects.exists()
