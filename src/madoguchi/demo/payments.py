"""Sample fees for the demo: a few of Kobe's applications paid, refunded and awaiting payment,
so that the staff pages and the treasury's export (会計課への消込データ) show real shapes.

What needs no provider goes through the app's own services: the application is submitted
(the 納税証明書's fee becomes a pending payment in the submission's after-submit hook) and
the 粗大ごみ is approved with its fee (``payments.services.request_payment``). What Stripe
would do happens in the payment simulator through its own services (``madoguchi demo`` runs
before the server answers, so the SDK cannot reach it over HTTP): the checkout session, the
payment by card, コンビニ or PayPay, the refund. The simulator keeps them as Stripe would,
with its charge, fee (3.6 %, rounded half up) and balance transaction, so the export's
totals are the simulator's balance report. What the simulator says is then applied with
``payments.changes``, exactly as the return page or a webhook applies it.

Two of the certificates were submitted three weeks ago and are still being handled, so they
are past their due date (標準処理期間: 3 business days) and the inbox's 期限超過 filter shows
them on first run.

The simulator's webhooks for these payments stay queued (the server is not up yet);
``madoguchi paysim_deliver`` sends them, and they change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.catalog import deadlines
from madoguchi.core import events
from madoguchi.forms import fees
from madoguchi.forms.models import Form
from madoguchi.payments import accounts, changes
from madoguchi.payments import services as payment_services
from madoguchi.payments.models import Payment
from madoguchi.payments.providers.base import ProviderPayment, RefundState, State
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import services as submission_services
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember

__all__ = ["SAMPLES", "Sample", "load_payments"]

KOBE = "281000"
TEST_CARD = "4242424242424242"
# Three weeks: past a 3-business-day period even across 年末年始 or Golden Week.
OVERDUE_DAYS = 21


@dataclass(frozen=True)
class Sample:
    """One demo application: its form, answers, how it was paid ("" not yet) and refund."""

    form: str
    answers: dict[str, Any]
    method: str = ""
    refund_reason: str = ""
    # For a fee after review: who approves (a Kobe demo user).
    approved_by: str = ""
    # Submitted this many days ago (0: now), for applications past their due date.
    days_ago: int = 0


def _certificate(
    name: str, kana: str, copies: int, *, email: str, kind: str = "all_taxes"
) -> dict[str, Any]:
    return {
        "requester": "self",
        "name": name,
        "name_kana": kana,
        "birth_date": "1980-04-01",
        "postal_code": "650-0001",
        "address": "兵庫県神戸市中央区加納町6丁目5番1号",
        "phone": "078-000-0000",
        "email": email,
        "certificate_type": kind,
        "fiscal_year": 2025,
        "copies": copies,
        "purpose": "loan",
        "delivery": "counter",
        "consent": True,
    }


def _bulky_waste(name: str, kana: str, items: list[str], *, email: str) -> dict[str, Any]:
    collection = timezone.localdate() + timedelta(days=10)
    while collection.weekday() >= 5:
        collection += timedelta(days=1)
    return {
        "items": items,
        "item_count": len(items),
        "item_details": "、".join(f"{item} 1点" for item in items),
        "postal_code": "650-0001",
        "address": "兵庫県神戸市中央区加納町6丁目5番1号 デモハイツ101",
        "place": "front",
        "preferred_date": collection.isoformat(),
        "name": name,
        "name_kana": kana,
        "phone": "078-000-0000",
        "email": email,
        "consent": True,
    }


# Fictitious people; the addresses are Kobe City Hall's. Paid by each method, one refunded,
# one 事後決済 paid and one waiting to be paid.
SAMPLES = (
    Sample(
        "nouzei-shomei",
        _certificate("神戸 一郎", "コウベ イチロウ", 2, email="ichiro@example.jp"),
        method="card",
    ),
    Sample(
        "nouzei-shomei",
        _certificate("須磨 花子", "スマ ハナコ", 1, email="hanako@example.jp", kind="resident"),
        method="konbini",
        days_ago=OVERDUE_DAYS,
    ),
    Sample(
        "nouzei-shomei",
        _certificate(
            "六甲 商事", "ロッコウ ショウジ", 3, email="rokko@example.jp", kind="corporate"
        ),
        method="paypay",
        days_ago=OVERDUE_DAYS,
    ),
    Sample(
        "nouzei-shomei",
        _certificate("垂水 次郎", "タルミ ジロウ", 1, email="jiro@example.jp", kind="property"),
        method="card",
        refund_reason="二重申請のため（同じ内容の申請が2件あり、1件を取り消し）",
    ),
    Sample(
        "sodaigomi",
        _bulky_waste("灘 三郎", "ナダ サブロウ", ["sofa", "table"], email="saburo@example.jp"),
        method="card",
        approved_by="kobe-kankyo",
    ),
    Sample(
        "sodaigomi",
        _bulky_waste(
            "東灘 さくら",
            "ヒガシナダ サクラ",
            ["bed", "mattress", "bicycle"],
            email="sakura@example.jp",
        ),
        approved_by="kobe-kankyo",
    ),
)


def load_payments() -> list[Payment]:
    """Submit every sample (inside the caller's transaction) and pay and refund as it says."""
    loaded = []
    for sample in SAMPLES:
        submission = _submit(sample)
        if sample.days_ago:
            _backdate(submission, days=sample.days_ago)
        payment = _fee(submission, sample)
        if sample.method:
            _pay(payment, sample.method)
        if sample.refund_reason:
            _refund(payment, reason=sample.refund_reason)
        loaded.append(payment)
    return loaded


def _submit(sample: Sample) -> Submission:
    form = Form.objects.select_related("current_version").get(
        municipality__lg_code=KOBE, slug=sample.form
    )
    assert form.current_version is not None
    return submission_services.submit_answers(
        form_version=form.current_version, raw=sample.answers, language="ja"
    )


def _backdate(submission: Submission, *, days: int) -> None:
    """Sample data only: the application arrived ``days`` ago, and its due date is the
    procedure's period from then (the catalog's rule), so it is overdue now."""
    submission.submitted_at -= timedelta(days=days)
    submission.due_date = None
    submission.due_date = deadlines.due_date_for(submission)
    submission.save(update_fields=["submitted_at", "due_date"])


def _fee(submission: Submission, sample: Sample) -> Payment:
    if not sample.approved_by:
        payment = payment_services.payment_to_pay(submission)
        assert payment is not None, f"{sample.form}: the fee at submission made no payment"
        return payment
    staff = StaffMember.objects.get(user__username=sample.approved_by)
    quote = fees.quote(submission.form_version.schema, submission.answers)
    assert quote is not None and quote.payable
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(
        submission=submission,
        to_status=Status.APPROVED,
        staff=staff,
        reason="品目と大きさを確認しました。",
    )
    return payment_services.request_payment(submission, lines=quote.lines_json(), staff=staff)


# --- what Stripe does, in the simulator ---------------------------------------------------


def _simulator_account(lg_code: str) -> Any:
    # Imported here: the simulator exists only where it is installed (development, tests).
    from madoguchi.simulators.payments import protocol

    secret_key = accounts.account(lg_code).secret_key
    return protocol.accounts()[secret_key]


def _pay(payment: Payment, method: str) -> None:
    from madoguchi.simulators.payments import services as paysim

    account = _simulator_account(payment.account)
    expires = timezone.now() + timedelta(minutes=payment_services.CHECKOUT_MINUTES)
    page = settings.MADOGUCHI_PAYSIM_URL.rstrip("/") + "/checkout/{id}/"
    return_url = settings.MADOGUCHI_SITE_URL.rstrip("/") + f"/payments/return/{payment.public_id}/"
    # Parameters as they arrive on the wire (form-encoded: every value a string).
    checkout = paysim.create_session(
        account,
        {
            "mode": "payment",
            "payment_method_types": [method],
            "line_items": [
                {
                    "price_data": {
                        "currency": "jpy",
                        "unit_amount": str(line["unit_amount"]),
                        "product_data": {"name": line["label"]["ja"]},
                    },
                    "quantity": str(line["quantity"]),
                }
                for line in payment.lines
            ],
            "client_reference_id": str(payment.public_id),
            "metadata": {
                "payment": str(payment.public_id),
                "receipt_number": payment.submission.receipt_number,
            },
            "payment_intent_data": {
                "metadata": {"payment": str(payment.public_id)},
                "description": payment.submission.receipt_number,
            },
            "success_url": return_url,
            "cancel_url": return_url + "?cancelled=1",
            "expires_at": str(int(expires.timestamp())),
            "locale": "ja",
        },
        page_url=page,
    )
    payment.checkout_id = checkout.id
    payment.checkout_url = str(checkout.data["url"])
    payment.checkout_expires_at = datetime.fromtimestamp(checkout.data["expires_at"], UTC)
    payment.save(update_fields=["checkout_id", "checkout_url", "checkout_expires_at"])
    if method == "card":
        paysim.pay_by_card(checkout, number=TEST_CARD)
    elif method == "konbini":
        paysim.choose_konbini(checkout)
        paysim.konbini_paid(checkout)
    else:
        paysim.choose_paypay(checkout)
        paysim.paypay_decision(checkout, approved=True)
    with transaction.atomic():
        changes.apply_checkout(payment, _paid_state(checkout.id))
    assert payment.status == PaymentStatus.PAID


def _paid_state(checkout_id: str) -> ProviderPayment:
    """What the Stripe backend's ``fetch`` reads from the paid session (simulator's JSON)."""
    from madoguchi.simulators.payments.models import StoredObject

    session = StoredObject.objects.get(id=checkout_id).data
    intent = StoredObject.objects.get(id=session["payment_intent"]).data
    charge = StoredObject.objects.get(id=intent["latest_charge"]).data
    balance = StoredObject.objects.get(id=charge["balance_transaction"]).data
    return ProviderPayment(
        checkout_id=checkout_id,
        state=State.PAID,
        amount=int(session["amount_total"]),
        currency=str(session["currency"]),
        payment_id=str(session["metadata"]["payment"]),
        reference=str(intent["id"]),
        method=str(charge["payment_method_details"]["type"]),
        fee=int(balance["fee"]),
        net=int(balance["net"]),
        open=False,
    )


def _refund(payment: Payment, *, reason: str) -> None:
    """A full refund by the city's administrator, as ``request_refund`` makes it."""
    from madoguchi.simulators.payments import services as paysim

    staff = StaffMember.objects.get(user__username="kobe-admin")
    with transaction.atomic():
        locked = changes.lock(payment)
        locked.refunded_by = staff
        locked.refund_reason = reason
        changes.move(
            locked,
            PaymentStatus.REFUNDING,
            actor=events.pseudonym("staff", staff.pk),
            now=timezone.now(),
        )
    payment.refresh_from_db()
    refund = paysim.create_refund(
        _simulator_account(payment.account),
        {
            "payment_intent": payment.provider_reference,
            "amount": str(payment.amount),
            "metadata": {"payment": str(payment.public_id)},
        },
    )
    with transaction.atomic():
        changes.apply_refund(payment, RefundState.SUCCEEDED, refund_reference=refund.id)
    assert payment.status == PaymentStatus.REFUNDED
