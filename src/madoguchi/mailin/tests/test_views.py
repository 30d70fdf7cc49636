"""The resident's mail-in path: the channel choice, the review's button, the prepared page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from madoguchi.forms.models import FormVersion
from madoguchi.jp.wareki import format_for_residents
from madoguchi.mailin import services
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.submissions import resident_session
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Draft, Submission
from madoguchi.testing.factories import SIMPLE_SCHEMA, card_identity, publish_form
from madoguchi.testing.markers import requires_japanese_catalog

pytestmark = pytest.mark.django_db

PAGES = [
    {"name": "加賀 太郎", "name_kana": "かが たろう", "email": "taro@example.jp"},
    {"method": "visit"},
]
MAIL_SCHEMA: dict[str, Any] = {
    **SIMPLE_SCHEMA,
    "channels": ["online", "mail"],
    "mail": {
        "enclosures": ["鑑札（原本）"],
        "handwritten_signature": True,
        "description": "原本の送付が必要な方は郵送で。",
    },
}


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def start_url(version: FormVersion) -> str:
    form = version.form
    return reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])


def mail_draft(version: FormVersion) -> tuple[Draft, str]:
    draft, token = submission_services.start_draft(
        form_version=version, language="ja", channel=Channel.MAIL
    )
    for index, page in enumerate(PAGES):
        assert submission_services.save_step(draft=draft, step_index=index, data=page, files={}).ok
    return draft, token


def test_a_form_offering_post_and_online_first_asks_how_to_apply(client: Client) -> None:
    version = publish_form(schema=MAIL_SCHEMA)

    page = client.get(start_url(version)).content.decode()

    assert 'type="radio" id="channel-online" name="channel" value="online"' in page
    assert 'name="channel" value="mail"' in page
    assert "原本の送付が必要な方は郵送で。" in page
    assert 'method="get"' in page  # the choice works without JavaScript


@requires_japanese_catalog
def test_an_unknown_channel_asks_again_with_an_error(client: Client) -> None:
    version = publish_form(schema=MAIL_SCHEMA)

    response = client.get(start_url(version), {"channel": "fax"})

    assert response.status_code == 400
    assert "申請の方法を選んでください。" in response.content.decode()


def test_choosing_post_starts_a_mail_draft(client: Client) -> None:
    version = publish_form(schema=MAIL_SCHEMA)

    page = client.get(start_url(version), {"channel": "mail"}).content.decode()
    response = client.post(start_url(version), {"channel": "mail"})

    assert '<input type="hidden" name="channel" value="mail">' in page
    assert response.status_code == 302
    assert Draft.objects.get().channel == Channel.MAIL


def test_a_form_offering_only_online_asks_nothing(client: Client) -> None:
    version = publish_form()

    page = client.get(start_url(version)).content.decode()
    client.post(start_url(version))

    assert 'name="channel"' not in page
    assert Draft.objects.get().channel == Channel.ONLINE


def test_a_form_that_needs_the_card_online_starts_by_post_without_it(client: Client) -> None:
    version = publish_form(schema={**MAIL_SCHEMA, "identity": "mynumber_auth"})

    response = client.post(start_url(version), {"channel": "mail"})

    assert response.status_code == 302
    assert "/step/1/" in response["Location"]
    assert Draft.objects.get().identity is None


@requires_japanese_catalog
def test_the_review_of_a_mail_draft_ends_with_making_the_paper_not_sending(
    client: Client,
) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))
    review = reverse("submissions:review", args=[token])

    page = client.get(review).content.decode()
    client.post(review)

    assert reverse("mail:prepare", args=[token]) in page
    assert "郵送用の申請書を作成" in page
    assert 'data-testid="prepare-mail"' in page
    assert "申請を送信" not in page
    assert not Submission.objects.exists()


def test_making_the_paper_shows_its_reference_and_emails_the_link(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))

    response = client.post(reverse("mail:prepare", args=[token]), follow=True)

    application = MailApplication.objects.get()
    page = response.content.decode()
    assert application.reference in page
    assert "鑑札（原本）" in page
    assert reverse("mail:pdf", args=[token]) in page
    (message,) = mail.outbox
    assert reverse("mail:prepared", args=[token]) in message.body


def test_the_arrive_by_date_reads_as_on_the_paper_in_japanese(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))

    with translation.override("ja"):
        response = client.post(reverse("mail:prepare", args=[token]), follow=True)

    expected = format_for_residents(
        timezone.localtime(MailApplication.objects.get().expires_at).date(), language="ja"
    )
    assert expected.startswith("令和")
    assert expected in response.content.decode()
    assert expected in mail.outbox[0].body


def test_making_the_paper_twice_keeps_one_application_and_one_email(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))

    client.post(reverse("mail:prepare", args=[token]))
    again = client.post(reverse("mail:prepare", args=[token]))

    assert again["Location"] == reverse("mail:prepared", args=[token])
    assert MailApplication.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_online_draft_cannot_be_made_into_paper(client: Client) -> None:
    _draft, token = submission_services.start_draft(
        form_version=publish_form(schema=MAIL_SCHEMA), language="ja"
    )

    response = client.post(reverse("mail:prepare", args=[token]))

    assert response.status_code == 404
    assert not MailApplication.objects.exists()


def test_the_pdf_is_served_while_the_paper_is_awaited(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))
    client.post(reverse("mail:prepare", args=[token]))

    response = client.get(reverse("mail:pdf", args=[token]))

    reference = MailApplication.objects.get().reference
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")  # its contents: tests/test_pdf.py
    assert reference in response["Content-Disposition"]


def test_an_expired_application_offers_no_pdf(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))
    client.post(reverse("mail:prepare", args=[token]))
    MailApplication.objects.update(status=MailStatus.EXPIRED)

    page = client.get(reverse("mail:prepared", args=[token])).content.decode()
    pdf = client.get(reverse("mail:pdf", args=[token]))

    assert reverse("mail:pdf", args=[token]) not in page
    assert pdf.status_code == 302


def test_an_unknown_link_is_not_found(client: Client) -> None:
    assert client.get(reverse("mail:prepared", args=["nothing-here"])).status_code == 404


def test_the_status_link_of_a_paper_on_its_way_opens_its_mail_page(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))
    client.post(reverse("mail:prepare", args=[token]))

    response = client.get(reverse("submissions:status", args=[token]))

    assert response.status_code == 302
    assert response["Location"] == reverse("mail:prepared", args=[token])


def test_an_unknown_status_link_is_still_not_found(client: Client) -> None:
    assert client.get(reverse("submissions:status", args=["nothing-here"])).status_code == 404


def test_once_the_paper_arrived_its_page_leads_to_the_status_page(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))
    client.post(reverse("mail:prepare", args=[token]))
    MailApplication.objects.update(status=MailStatus.ARRIVED)

    response = client.get(reverse("mail:prepared", args=[token]))

    assert response["Location"] == reverse("submissions:status", args=[token])


def test_a_card_verified_paper_is_downloaded_only_where_the_card_logged_in(
    client: Client,
) -> None:
    version = publish_form(schema=MAIL_SCHEMA)
    identity = card_identity(version.form.municipality, name="加賀 太郎")
    draft, token = mail_draft(version)
    MailApplication.objects.filter(pk=services.prepare(draft=draft).pk).update(identity=identity)
    owner = Client()
    session = owner.session
    resident_session.remember_person(session, identity)
    session.save()

    stranger_page = client.get(reverse("mail:prepared", args=[token])).content.decode()
    stranger_pdf = client.get(reverse("mail:pdf", args=[token]))
    owner_pdf = owner.get(reverse("mail:pdf", args=[token]))

    assert reverse("mail:pdf", args=[token]) not in stranger_page
    assert stranger_pdf.status_code == 302
    assert owner_pdf.content.startswith(b"%PDF-")


def test_the_resume_link_of_a_draft_made_into_paper_opens_the_paper(client: Client) -> None:
    _draft, token = mail_draft(publish_form(schema=MAIL_SCHEMA))
    client.post(reverse("mail:prepare", args=[token]))

    review = client.get(reverse("submissions:review", args=[token]))
    step = client.get(reverse("submissions:step", args=[token, 1]))

    assert review["Location"] == reverse("mail:prepared", args=[token])
    assert step["Location"] == reverse("mail:prepared", args=[token])
