"""Preparing a mail-in application from a draft, and expiring unposted ones."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.mailin import services
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.document import canonical_bytes
from madoguchi.submissions.models import Draft
from madoguchi.testing.factories import SIMPLE_SCHEMA, DepartmentFactory, publish_form

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
PAGES = [
    {"name": "加賀 太郎", "name_kana": "かが たろう", "email": "taro@example.jp"},
    {"method": "visit"},
]


@pytest.fixture
def form_version() -> FormVersion:
    return publish_form(slug="dog-death")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, str]]]:
    seen: list[tuple[str, str, dict[str, str]]] = []

    def subscriber(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), subject, detail))

    monkeypatch.setattr(events, "_subscribers", [*events._subscribers, subscriber])
    return seen


def completed_draft(form_version: FormVersion, pages: list[dict[str, Any]] = PAGES) -> Draft:
    draft, _token = submission_services.start_draft(form_version=form_version, language="ja")
    for index, page in enumerate(pages):
        assert submission_services.save_step(draft=draft, step_index=index, data=page, files={}).ok
    return draft


def test_preparing_gives_the_next_gap_free_reference_of_the_city_and_year(
    form_version: FormVersion,
) -> None:
    lg_code = form_version.form.municipality.lg_code

    first = services.prepare(draft=completed_draft(form_version))
    second = services.prepare(draft=completed_draft(form_version))

    assert first.reference == f"M-{lg_code}-{YEAR}-000001"
    assert second.reference == f"M-{lg_code}-{YEAR}-000002"


def test_each_city_counts_its_own_references() -> None:
    kaga = publish_form(slug="a")
    kobe = publish_form(department=DepartmentFactory(), slug="b")

    services.prepare(draft=completed_draft(kaga))
    other = services.prepare(draft=completed_draft(kobe))

    assert other.reference.endswith(f"-{YEAR}-000001")


def test_the_stored_hash_is_the_sha256_of_the_canonical_answers(form_version: FormVersion) -> None:
    application = services.prepare(draft=completed_draft(form_version))

    expected = hashlib.sha256(canonical_bytes(application.answers)).hexdigest()
    assert application.answers_sha256 == expected
    assert application.answers["name"] == "加賀 太郎"
    assert application.answers["name_kana"] == "カガ\u3000タロウ"  # cleaned as online


def test_preparing_finishes_the_draft_and_keeps_its_link(form_version: FormVersion) -> None:
    draft = completed_draft(form_version)

    application = services.prepare(draft=draft)

    assert not Draft.objects.filter(pk=draft.pk).exists()
    assert application.token_hash == draft.token_hash
    assert application.status == MailStatus.AWAITING
    assert application.email == "taro@example.jp"
    assert application.expires_at - application.created_at == timedelta(days=60)


def test_preparing_twice_returns_the_same_application(form_version: FormVersion) -> None:
    draft = completed_draft(form_version)

    first = services.prepare(draft=draft)
    again = services.prepare(draft=draft)

    assert again.pk == first.pk
    assert MailApplication.objects.count() == 1


def test_invalid_answers_are_refused_and_the_draft_is_kept(form_version: FormVersion) -> None:
    draft, _token = submission_services.start_draft(form_version=form_version, language="ja")

    with pytest.raises(submission_services.SubmissionRefused) as refused:
        services.prepare(draft=draft)

    assert "name" in refused.value.errors
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert not MailApplication.objects.exists()


def test_a_form_that_wants_the_card_online_can_be_prepared_for_post_without_it() -> None:
    version = publish_form(slug="card", schema={**SIMPLE_SCHEMA, "identity": "mynumber_auth"})

    application = services.prepare(draft=completed_draft(version))

    assert application.identity is None


def test_preparing_records_an_event_with_the_reference_and_hash_only(
    form_version: FormVersion, recorded: list[tuple[str, str, dict[str, str]]]
) -> None:
    application = services.prepare(draft=completed_draft(form_version))

    (event,) = [item for item in recorded if item[0] == events.Event.MAIL_PREPARED]
    assert event[2]["reference"] == application.reference
    assert event[2]["answers"] == application.answers_sha256
    assert "加賀" not in repr(event)


def test_the_link_is_emailed_without_the_answers(form_version: FormVersion) -> None:
    application = services.prepare(draft=completed_draft(form_version))

    services.send_link(application=application, url="https://example.jp/mail/x/")

    (message,) = mail.outbox
    assert message.to == ["taro@example.jp"]
    assert application.reference in message.subject
    assert "https://example.jp/mail/x/" in message.body
    assert "加賀 太郎" not in message.body


def test_awaiting_applications_past_their_date_expire_once(
    form_version: FormVersion, recorded: list[tuple[str, str, dict[str, str]]]
) -> None:
    late = services.prepare(draft=completed_draft(form_version))
    fresh = services.prepare(draft=completed_draft(form_version))
    MailApplication.objects.filter(pk=late.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert services.expire_overdue() == 1
    assert services.expire_overdue() == 0

    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.status == MailStatus.EXPIRED
    assert late.answers == {}
    assert fresh.status == MailStatus.AWAITING
    assert [item[0] for item in recorded].count(events.Event.MAIL_EXPIRED) == 1


def test_the_expiry_command_says_how_many_expired(form_version: FormVersion) -> None:
    from io import StringIO

    from django.core.management import call_command

    late = services.prepare(draft=completed_draft(form_version))
    MailApplication.objects.filter(pk=late.pk).update(expires_at=timezone.now())
    out = StringIO()

    call_command("expire_mail", stdout=out)

    assert "expired mail-in applications: 1" in out.getvalue()


def test_answers_checked_elsewhere_make_a_paper_with_the_next_reference_and_the_askers_detail(
    form_version: FormVersion, recorded: list[tuple[str, str, dict[str, str]]]
) -> None:
    answers = {"name": "加賀 太郎", "name_kana": "カガ タロウ", "method": "visit"}
    before = services.prepare(draft=completed_draft(form_version))

    application = services.prepare_answers(
        form_version=form_version,
        answers=answers,
        token_hash="c" * 64,
        actor="staff:clerk",
        detail={"channel": "counter"},
    )

    assert application.reference.endswith(f"-{int(before.reference[-6:]) + 1:06d}")
    assert application.answers == answers
    assert application.answers_sha256 == hashlib.sha256(canonical_bytes(answers)).hexdigest()
    assert application.status == MailStatus.AWAITING
    event, _subject, detail = recorded[-1]
    assert event == "mail.prepared"
    assert detail["channel"] == "counter"
    assert detail["reference"] == application.reference
