"""The resident's page: card login, their submissions only, and who accessed their data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.backoffice import services as backoffice_services
from madoguchi.core import events
from madoguchi.exports import columns as export_columns
from madoguchi.exports import services as export_services
from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.identity.tests.fake_op import FakeOP, register_card_provider, running
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.submissions import selectors
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form

SCHEMA: dict[str, Any] = {
    "title": {"ja": "人間ドック助成金申請", "en": "Check-up subsidy"},
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "prefill": "name"},
                {"key": "phone", "type": "phone", "label": "電話番号", "required": True},
            ],
        }
    ],
}


@pytest.fixture
def op() -> Iterator[FakeOP]:
    cache.clear()
    with running(FakeOP()) as provider:
        yield provider
    cache.clear()


@pytest.fixture
def provider(department: Department, op: FakeOP) -> IdentityProvider:
    provider: IdentityProvider = register_card_provider(op, department.municipality)
    return provider


@pytest.fixture
def version(department: Department) -> FormVersion:
    return publish_form(department=department, slug="ningen-dock", schema=SCHEMA)


def _identity(provider: IdentityProvider, subject: str) -> VerifiedIdentity:
    now = timezone.now()
    return VerifiedIdentity.objects.create(
        provider=provider,
        subject=subject,
        assurance=Assurance.MYNUMBER_CARD,
        basic_four={"name": "加賀 太郎", "birth_date": "1975-04-01", "address": "石川県加賀市"},
        authenticated_at=now,
        verified_at=now,
    )


def _submit_with(version: FormVersion, identity: VerifiedIdentity) -> Submission:
    draft, _token = submission_services.start_draft(form_version=version, language="ja")
    submission_services.attach_identity(draft=draft, identity=identity)
    draft.answers["phone"] = "0761-72-1111"
    draft.completed_steps = 1
    draft.save()
    return submission_services.submit_draft(draft=draft)


def _logged_in(identity: VerifiedIdentity) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    session = browser.session
    session[selectors.SESSION_RESIDENT] = {
        "provider": identity.provider_id,
        "subject": identity.subject,
    }
    session.save()
    return browser


def test_a_resident_logs_in_with_the_card_and_the_login_is_recorded(
    provider: IdentityProvider, op: FakeOP
) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    lg_code = provider.municipality.lg_code

    before = browser.get(reverse("submissions:mypage", args=[lg_code]))
    out = browser.post(
        reverse("submissions:mypage_login", args=[lg_code]), {"provider": provider.key}
    )
    query = {k: v[0] for k, v in parse_qs(urlparse(out["Location"]).query).items()}
    code = op.issue_code(nonce=query["nonce"], code_challenge=query["code_challenge"])
    back = browser.get(reverse("identity:callback"), {"state": query["state"], "code": code})
    after = browser.get(reverse("submissions:mypage", args=[lg_code]))

    assert "Log in with Digital Authentication App" in before.text
    assert back.status_code == 302 and back["Location"].endswith(f"/mypage/{lg_code}/")
    assert "Your applications" in after.text and "Log out" in after.text
    assert ledger_selectors.entries_about(
        [f"municipality:{lg_code}"], [events.Event.RESIDENT_LOGIN.value]
    ).exists()


def test_a_failed_card_login_leaves_the_resident_logged_out(
    provider: IdentityProvider, op: FakeOP
) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    lg_code = provider.municipality.lg_code
    out = browser.post(
        reverse("submissions:mypage_login", args=[lg_code]), {"provider": provider.key}
    )
    state = parse_qs(urlparse(out["Location"]).query)["state"][0]

    back = browser.get(
        reverse("identity:callback"),
        {"state": state, "error": "access_denied", "error_description": "PIN locked"},
    )

    assert back.status_code == 400 and "PIN locked" in back.text
    assert selectors.SESSION_RESIDENT not in browser.session


def test_the_page_lists_only_the_residents_own_submissions(
    provider: IdentityProvider, version: FormVersion
) -> None:
    mine = _submit_with(version, _identity(provider, "a" * 64))
    theirs = _submit_with(version, _identity(provider, "b" * 64))

    page = _logged_in(mine.identity).get(  # type: ignore[arg-type]
        reverse("submissions:mypage", args=[provider.municipality.lg_code])
    )

    assert mine.receipt_number in page.text
    assert theirs.receipt_number not in page.text
    assert reverse("documents:receipt_pdf", args=[mine.public_id]) in page.text


def test_the_access_history_names_the_department_and_what_it_did(
    provider: IdentityProvider, version: FormVersion, staff: StaffMember
) -> None:
    mine = _submit_with(version, _identity(provider, "a" * 64))
    theirs = _submit_with(version, _identity(provider, "b" * 64))
    other_department = DepartmentFactory(
        municipality=provider.municipality, name="税務課", name_en="Tax Division"
    )
    auditor = StaffFactory(
        municipality=provider.municipality,
        role="municipality_admin",
        departments=[other_department],
    )
    backoffice_services.record_staff_view(staff, mine)
    backoffice_services.record_staff_view(auditor, mine)
    backoffice_services.record_staff_view(staff, theirs)

    page = _logged_in(mine.identity).get(  # type: ignore[arg-type]
        reverse("submissions:mypage", args=[provider.municipality.lg_code])
    )
    history = page.text.split('data-testid="access-history"')[1]

    assert history.count("Viewed by staff") == 2
    assert staff.departments.get().name_en in history
    assert "Tax Division" in history
    assert history.count("You sent the application") == 1
    assert theirs.receipt_number not in history


def test_the_ledger_holds_no_personal_data_about_the_resident(
    provider: IdentityProvider, version: FormVersion, staff: StaffMember
) -> None:
    mine = _submit_with(version, _identity(provider, "a" * 64))
    backoffice_services.record_staff_view(staff, mine)

    entries = ledger_selectors.entries_about([events.submission_subject(mine.public_id)])
    text = "".join(e.entry_bytes().decode() for e in entries)

    assert entries.count() == 2
    for personal in ("加賀", "太郎", "0761", "1975", mine.receipt_number, "a" * 64):
        assert personal not in text


def test_logging_out_forgets_the_resident(provider: IdentityProvider, version: FormVersion) -> None:
    mine = _submit_with(version, _identity(provider, "a" * 64))
    browser = _logged_in(mine.identity)  # type: ignore[arg-type]
    lg_code = provider.municipality.lg_code

    browser.post(reverse("submissions:mypage_logout", args=[lg_code]))
    page = browser.get(reverse("submissions:mypage", args=[lg_code]))

    assert mine.receipt_number not in page.text
    assert "Log in with" in page.text


def test_an_export_that_held_the_submission_shows_in_the_history(
    provider: IdentityProvider, version: FormVersion, staff: StaffMember
) -> None:
    mine = _submit_with(version, _identity(provider, "a" * 64))
    schema = version.schema
    export_services.start_export(
        staff=staff,
        request=export_services.ExportRequest(
            form=version.form, columns=export_columns.default_columns(schema)
        ),
    )

    page = _logged_in(mine.identity).get(  # type: ignore[arg-type]
        reverse("submissions:mypage", args=[provider.municipality.lg_code])
    )

    history = page.text.split('data-testid="access-history"')[1]
    assert "Exported for processing" in history
    assert staff.departments.get().name_en in history
