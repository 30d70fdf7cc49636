"""What the resident sees of a fee: the review page's quote, the payment panel on the
confirmation and status pages in each status, and who may see what."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import resident_session, services, status_links
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import SIMPLE_ANSWERS, submit_application
from madoguchi.testing.payments import PaySim

from . import data
from .resident_fixtures import fee_form, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_review(department: Department) -> FormVersion:
    return fee_form(department, timing="after_review")


@pytest.fixture
def submission(after_review: FormVersion) -> Submission:
    return submit_application(after_review, count=2)


def _review(form_version: FormVersion, language: str = "ja", **answers: Any) -> str:
    draft, token = services.start_draft(form_version=form_version, language=language)
    draft.answers = SIMPLE_ANSWERS | answers
    draft.completed_steps = len(form_version.schema.steps)
    draft.save()
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(reverse("submissions:review", args=[token]))
    assert page.status_code == 200
    return page.content.decode()


def _status_page(submission: Submission, browser: Client | None = None) -> tuple[str, str]:
    token = status_links.issue(submission)
    page = (browser or Client()).get(reverse("submissions:status", args=[token]))
    assert page.status_code == 200
    return page.content.decode(), token


def test_the_review_page_shows_the_quote_and_the_button_goes_on_to_payment(
    department: Department,
) -> None:
    on_submission = fee_form(department, timing="on_submission", slug="pay-now")

    page = _review(on_submission, count=2)

    assert 'data-testid="fee-quote"' in page
    assert "証明書の写し" in page and "300円 × 2" in page and "600円" in page
    assert "非課税" in page
    assert "税込（10%、うち消費税 50円）" in page
    assert "1,150円" in page and "（うち消費税 50円）" in page
    assert 'data-testid="submit-and-pay"' in page and "申請して支払いへ進む" in page
    assert "事後決済" not in page


def test_the_review_page_of_a_fee_after_review_shows_the_description_and_an_estimate(
    after_review: FormVersion,
) -> None:
    page = _review(after_review, count=1)

    assert "品目を確認してから金額をお知らせします" in page
    assert 'data-testid="fee-after-review"' in page and "事後決済" in page
    assert "目安" in page and "850円" in page
    assert "申請して支払いへ進む" not in page and "送信" in page


def test_a_quote_that_cannot_be_worked_out_says_so_instead_of_an_amount(
    department: Department,
) -> None:
    broken = fee_form(department, timing="on_submission", slug="broken")
    schema = broken.schema.model_dump(mode="json", exclude_none=True)
    schema["fees"]["items"][0]["amount"] = {"/": [1, 0]}  # not a whole amount of yen
    schema["fees"]["items"][0].pop("quantity_field")
    from madoguchi.forms import services as form_services
    from madoguchi.forms.schema import FormSchema

    version = form_services.publish(form=broken.form, schema=FormSchema.model_validate(schema))

    page = _review(version, count=1)

    assert 'data-testid="fee-problem"' in page
    assert 'data-testid="fee-lines"' not in page
    assert "申請して支払いへ進む" not in page


def test_the_review_page_of_a_form_without_fees_says_nothing_about_fees(
    form_version: FormVersion,
) -> None:
    page = _review(form_version)

    assert 'data-testid="fee-quote"' not in page


@pytest.mark.parametrize(
    ("status", "label", "pay", "receipt"),
    [
        (PaymentStatus.PENDING, "支払待ち", "支払う", False),
        (PaymentStatus.PAID, "支払済", "", True),
        (PaymentStatus.FAILED, "失敗", "もう一度支払う", False),
        (PaymentStatus.EXPIRED, "期限切れ", "もう一度支払う", False),
        (PaymentStatus.REFUNDED, "返金済", "", True),
    ],
)
def test_the_status_page_shows_the_payment_in_each_status(
    submission: Submission, status: str, label: str, pay: str, receipt: bool
) -> None:
    made = payment(submission, status)

    page, token = _status_page(submission)

    assert 'data-testid="payment-panel"' in page
    assert f'data-status="{status}"' in page
    assert f'<dd data-testid="payment-status"><strong>{label}</strong></dd>' in page
    assert "1,150円" in page and "証明書の写し" in page and "300円 × 2" in page
    pay_url = reverse("payments:pay", args=[token])
    if pay:
        assert f'action="{pay_url}"' in page
        assert f'data-testid="payment-pay">{pay}</button>' in page
    else:
        assert 'data-testid="payment-pay"' not in page
    receipt_url = reverse("payments:receipt", args=[token, made.public_id])
    assert (receipt_url in page) is receipt
    if status == PaymentStatus.PAID:
        assert 'data-testid="payment-paid-at"' in page and "令和" in page
        assert "クレジットカード" in page


def test_a_cancelled_payment_leaves_the_one_that_replaced_it_shown(
    submission: Submission,
) -> None:
    payment(submission, PaymentStatus.CANCELLED, amount=5000, lines=[])
    payment(submission, PaymentStatus.PENDING)

    page, _token = _status_page(submission)

    assert "1,150円" in page and "5,000円" not in page


def test_a_fee_after_review_not_asked_yet_is_announced_on_the_status_page(
    submission: Submission,
) -> None:
    page, _token = _status_page(submission)

    assert 'data-testid="payment-later"' in page


def test_a_form_without_fees_shows_no_payment_panel(form_version: FormVersion) -> None:
    page, _token = _status_page(submit_application(form_version))

    assert 'data-testid="payment-panel"' not in page


def test_the_confirmation_page_shows_the_fee_and_pays_from_there(submission: Submission) -> None:
    payment(submission, PaymentStatus.PENDING)
    applicant = Client()
    session = applicant.session
    resident_session.remember_receipt(session, "x", str(submission.public_id))
    session.save()

    page = applicant.get(reverse("submissions:done", args=[submission.public_id])).content.decode()

    assert "支払待ち" in page and "1,150円" in page
    pay_url = reverse("payments:pay_from_confirmation", args=[submission.public_id])
    assert f'action="{pay_url}"' in page


def test_paying_from_the_confirmation_page_is_only_for_the_browser_that_sent_it(
    submission: Submission,
) -> None:
    payment(submission, PaymentStatus.PENDING)
    url = reverse("payments:pay_from_confirmation", args=[submission.public_id])

    assert Client().post(url).status_code == 404
    assert Client().get(url).status_code == 405


def test_a_card_verified_application_shows_only_the_amount_and_status_to_a_stranger(
    submission: Submission,
) -> None:
    now = timezone.now()
    provider = IdentityProvider.objects.create(
        municipality=submission.municipality,
        key="card",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        assurance=Assurance.MYNUMBER_CARD,
        issuer="https://idp.example.jp",
        client_id="madoguchi",
    )
    identity = VerifiedIdentity.objects.create(
        provider=provider,
        subject="person-1",
        assurance=Assurance.MYNUMBER_CARD,
        basic_four={"name": "加賀 太郎"},
        authenticated_at=now,
        verified_at=now,
    )
    Submission.objects.filter(pk=submission.pk).update(identity=identity)
    made = payment(submission, PaymentStatus.PAID)
    owner = Client()
    session = owner.session
    resident_session.remember_person(session, identity)
    session.save()

    locked, token = _status_page(submission)
    shown, _token = _status_page(submission, owner)
    receipt_url = reverse("payments:receipt", args=[token, made.public_id])

    assert "支払済" in locked and "1,150円" in locked
    assert "証明書の写し" not in locked and receipt_url not in locked
    assert "証明書の写し" in shown
    assert Client().get(receipt_url).status_code == 404


@pytest.fixture
def account_for(department: Department, settings: Any) -> None:
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {
        department.municipality.lg_code: {
            "provider": "stripe",
            "secret_key": "sk_test_resident",
            "webhook_secret": "whsec_resident",
            "api_base": "http://127.0.0.1:9/",
        }
    }


def _send(form_version: FormVersion, browser: Client, **answers: Any) -> str:
    draft, token = services.start_draft(form_version=form_version, language="ja")
    draft.answers = SIMPLE_ANSWERS | answers
    draft.completed_steps = len(form_version.schema.steps)
    draft.save()
    sent = browser.post(reverse("submissions:review", args=[token]))
    assert sent.status_code == 302, sent.content.decode()[:500]
    return str(sent["Location"])


def test_sending_an_application_with_a_fee_asks_for_it_on_the_confirmation_page_and_by_email(
    department: Department, account_for: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    version = fee_form(department, timing="on_submission", slug="pay-now")
    browser = Client()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        done_url = _send(version, browser, count=2)
    page = browser.get(done_url).content.decode()

    submission = Submission.objects.get()
    (made,) = submission.payments.all()
    assert (made.status, made.amount, made.tax, len(made.lines)) == ("pending", 1150, 50, 2)
    assert 'data-status="pending"' in page and "1,150円" in page and "支払う" in page
    pay_url = reverse("payments:pay_from_confirmation", args=[submission.public_id])
    assert f'action="{pay_url}"' in page
    (email,) = mail.outbox
    assert "お支払いいただく手数料：1,150円" in email.body


@pytest.mark.django_db(transaction=True)
def test_pay_on_the_confirmation_page_goes_to_the_checkout_with_a_status_link(
    paysim: PaySim,
) -> None:
    from madoguchi.payments import views as payment_views

    version = fee_form(data.department(), timing="on_submission", slug="pay-now")
    browser = Client()
    _send(version, browser, count=2)
    submission = Submission.objects.get()

    went = browser.post(reverse("payments:pay_from_confirmation", args=[submission.public_id]))

    (made,) = submission.payments.all()
    assert went.status_code == 303
    assert made.checkout_id and went["Location"] == made.checkout_url
    assert went["Location"].startswith(f"{paysim.api_base}/checkout/{made.checkout_id}")
    remembered = browser.session[payment_views.SESSION_KEY]
    assert str(made.public_id) in str(remembered)


def test_a_city_without_a_payment_account_still_receives_the_application(
    department: Department, settings: Any
) -> None:
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {}
    version = fee_form(department, timing="on_submission", slug="pay-now")

    _send(version, Client(), count=2)

    assert Submission.objects.get().payments.count() == 0


def test_a_mail_in_application_is_not_asked_to_pay_online(
    department: Department, account_for: None, staff: Any
) -> None:
    from madoguchi.submissions import received
    from madoguchi.submissions.models import Channel

    version = fee_form(department, timing="on_submission", slug="pay-now")

    mailed = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS | {"count": 2},
        channel=Channel.MAIL,
        received_on=timezone.localdate(),
        staff=staff,
    )

    assert mailed.payments.count() == 0


def test_the_status_and_confirmation_pages_let_pay_redirect_to_the_providers_hosted_page_only(
    submission: Submission, form_version: FormVersion, settings: Any
) -> None:
    """form-action also governs the 303 that answers 「支払う」: without the provider's origin
    the browser drops it (Chromium silently). Only the city's provider, only on fee forms."""
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {
        submission.municipality.lg_code: {
            "provider": "stripe",
            "secret_key": "sk_live_not_used_here",
            "webhook_secret": "whsec_not_used_here",
        }
    }
    payment(submission, PaymentStatus.PENDING)
    token = status_links.issue(submission)
    applicant = Client()
    session = applicant.session
    resident_session.remember_receipt(session, "x", str(submission.public_id))
    session.save()

    for url in (
        reverse("submissions:status", args=[token]),
        reverse("submissions:done", args=[submission.public_id]),
    ):
        policy = applicant.get(url)["Content-Security-Policy"]
        form_action = next(d for d in policy.split(";") if "form-action" in d)
        assert form_action.split() == ["form-action", "'self'", "https://checkout.stripe.com"]

    free = applicant.get(
        reverse("submissions:status", args=[status_links.issue(submit_application(form_version))])
    )
    assert "checkout.stripe.com" not in free["Content-Security-Policy"]
