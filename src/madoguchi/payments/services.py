"""Every write of the payments app: asking for a fee, paying it, refunding it.

Rules kept here (docs/payments.md has the story):

* every status change goes through ``states.check_move`` under ``select_for_update`` of the
  payment's row, in one transaction with its ledger event (``changes``);
* a submission has at most one live payment (a database constraint); creating one holds
  the submission's row lock, so two clicks on 「支払う」 at once find the same payment;
* one payment opens at most one hosted checkout: the payment's row lock is held while the
  provider is asked, and the request carries an idempotency key, so a retried or doubled
  request gets the same checkout back rather than a second one that could be paid too;
* the provider's word is taken only from a signed webhook or from asking it (the return
  page, ``reconcile_pending``), never from the resident's browser; either way the
  checkout, amount, currency and payment id must match the payment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.core.registry import UnknownBackend
from madoguchi.forms import fees
from madoguchi.forms.schema import FEE_MAX_AMOUNT, LocalizedText
from madoguchi.submissions.models import Channel, Status, StatusChange, Submission
from madoguchi.tenants.models import StaffMember

from . import accounts, changes, registry
from .accounts import PaymentUnavailable
from .changes import Outcome
from .models import LIVE_CONDITION, Payment, Purpose, WebhookEvent
from .providers.base import (
    CHECKOUT_NOTICES,
    REFUND_NOTICES,
    Account,
    CheckoutLine,
    CheckoutRequest,
    InvalidSignature,
    Notice,
    NoticeKind,
    PaymentProvider,
    ProviderError,
    ProviderPayment,
    RefundState,
    State,
)
from .states import LATE_FROM, PaymentStatus

logger = logging.getLogger("madoguchi.payments")

__all__ = [
    "PaymentNotPayable",
    "PaymentNotRefundable",
    "PaymentProviderDown",
    "PaymentUnavailable",
    "WebhookRejected",
    "cancel_open_payments",
    "checkout_url",
    "handle_webhook",
    "payment_to_pay",
    "reconcile_pending",
    "request_payment",
    "request_refund",
    "start_payment",
    "sync_from_provider",
]

# A hosted checkout stays open this long (Stripe allows 30 minutes to 24 hours).
CHECKOUT_MINUTES = 60
# An open checkout is sent to again only if it stays open at least this much longer.
REUSE_MARGIN = timedelta(minutes=5)
# A new checkout must be open at least this long (Stripe's minimum is 30 minutes).
CHECKOUT_MIN_MINUTES = 31
# An application in one of these asks no fee any more: its open payment is cancelled.
CLOSED = frozenset({Status.REJECTED, Status.WITHDRAWN})
# The notices that may say a checkout was paid.
_PAID_NOTICES = frozenset({NoticeKind.CHECKOUT_COMPLETED, NoticeKind.CHECKOUT_PAID})


class PaymentNotPayable(Refused):
    code = "payment_not_payable"
    status = 409
    default_message = _(
        "This payment cannot be paid any more. Please open the application's status page again."
    )


class PaymentNotRefundable(Refused):
    code = "payment_not_refundable"
    status = 409
    default_message = _("Only a paid payment can be refunded.")


class PaymentInvalidLines(Refused):
    code = "payment_invalid_lines"
    default_message = _(
        "The fee's lines are not valid: each needs a name, a quantity and a whole amount in "
        "yen, and the total must be more than 0 yen and at most 1,000,000 yen."
    )


class PaymentProviderDown(Refused):
    code = "payment_provider_unavailable"
    status = 503
    default_message = _(
        "The payment service cannot be reached right now. Please try again in a few minutes."
    )


class WebhookRejected(Refused):
    code = "payment_webhook_rejected"
    status = 400
    default_message = _("The notification's signature does not verify.")


# --- asking for a fee ---------------------------------------------------------------------


def start_payment(submission: Submission) -> Payment | None:
    """The pending payment of a form whose fee is paid at submission (the live one if there
    is one already); None when the form charges nothing now or the quote is not payable.

    Runs inside the submission's transaction too (no provider is asked here)."""
    schema = submission.form_version.schema
    if schema.fees is None or schema.fees.timing != "on_submission":
        return None
    quote = fees.quote(schema, submission.answers)
    if quote is None or not quote.payable:
        return None
    account = accounts.account(submission.municipality.lg_code)
    with transaction.atomic():
        _lock_submission(submission)
        live = _live(submission)
        if live is not None:
            return live
        return _create(
            submission,
            purpose=Purpose.ON_SUBMISSION,
            lines=quote.lines_json(),
            amount=quote.total,
            tax=quote.tax_total,
            provider=account.provider,
            actor="resident",
        )


def request_payment(
    submission: Submission, *, lines: list[dict[str, Any]], staff: StaffMember
) -> Payment:
    """事後決済: the amount staff set when approving (lines in QuoteLine.as_json's shape).
    A pending payment is cancelled first (its checkout closed); a paid one is refused."""
    checked = _checked_lines(lines)
    account = accounts.account(submission.municipality.lg_code)
    pending = _live(submission)
    if pending is not None and pending.status == PaymentStatus.PENDING and pending.checkout_id:
        # Close its checkout first, so the old amount can no longer be paid; if it was paid
        # meanwhile, that is applied and the new amount refused.
        _close_checkout(pending, apply_only_paid=True)
    with transaction.atomic():
        _lock_submission(submission)
        live = _live(submission)
        if live is not None:
            locked = changes.lock(live)
            if locked.status != PaymentStatus.PENDING:
                raise PaymentNotPayable(_("This application's fee was already paid."))
            changes.move(
                locked,
                PaymentStatus.CANCELLED,
                actor=events.pseudonym("staff", staff.pk),
                now=timezone.now(),
            )
        return _create(
            submission,
            purpose=Purpose.AFTER_REVIEW,
            lines=checked,
            amount=sum(line["amount"] for line in checked),
            tax=sum(line["tax"] for line in checked),
            provider=account.provider,
            actor=events.pseudonym("staff", staff.pk),
            requested_by=staff,
        )


def payment_to_pay(submission: Submission) -> Payment | None:
    """What 「支払う」 pays: the live payment; after an expired or failed one, a new payment
    for the same lines; for a fee at submission, the form's quote; else None."""
    if submission.status in CLOSED:
        return None
    with transaction.atomic():
        _lock_submission(submission)
        live = _live(submission)
        if live is not None:
            return live
        latest = Payment.objects.filter(submission=submission).order_by("-created_at", "-id")
        last = latest.first()
        if last is None:
            # A paper application (mail-in, counter) pays the way the paper says.
            online = submission.channel == Channel.ONLINE
            return start_payment(submission) if online else None
        if last.status not in (PaymentStatus.EXPIRED, PaymentStatus.FAILED):
            return None
        return _create(
            submission,
            purpose=Purpose(last.purpose),
            lines=last.lines,
            amount=last.amount,
            tax=last.tax,
            provider=last.provider,
            actor="resident",
            requested_by=last.requested_by,
        )


def _create(
    submission: Submission,
    *,
    purpose: Purpose,
    lines: list[dict[str, Any]],
    amount: int,
    tax: int,
    provider: str,
    actor: str,
    requested_by: StaffMember | None = None,
) -> Payment:
    payment = Payment.objects.create(
        submission=submission,
        municipality=submission.municipality,
        department=submission.department,
        purpose=purpose,
        lines=lines,
        amount=amount,
        currency="jpy",
        tax=tax,
        provider=provider,
        account=submission.municipality.lg_code,
        requested_by=requested_by,
        created_at=timezone.now(),
    )
    changes.record(payment, PaymentStatus.PENDING, actor=actor, purpose=str(purpose))
    return payment


def _lock_submission(submission: Submission) -> None:
    Submission.objects.select_for_update().filter(pk=submission.pk).values_list("pk").first()


def _live(submission: Submission) -> Payment | None:
    return Payment.objects.filter(LIVE_CONDITION, submission=submission).first()


def _checked_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = []
    for line in lines:
        try:
            label = LocalizedText.model_validate(line["label"])
            unit, quantity, amount = line["unit_amount"], line["quantity"], line["amount"]
            tax_rate, tax = int(line.get("tax_rate") or 0), int(line.get("tax") or 0)
        except (KeyError, TypeError, ValueError) as error:
            raise PaymentInvalidLines from error
        numbers = (unit, quantity, amount)
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
            raise PaymentInvalidLines
        if tax_rate not in (0, 8, 10) or not 0 <= tax <= amount:
            raise PaymentInvalidLines
        checked.append(
            {
                "key": str(line.get("key") or f"line{len(checked) + 1}"),
                "label": label.model_dump(exclude_none=True),
                "unit_amount": unit,
                "quantity": quantity,
                "amount": amount,
                "taxable": bool(tax_rate),
                "tax_rate": tax_rate,
                "tax": tax,
            }
        )
    total = sum(line["amount"] for line in checked)
    if not 0 < total <= FEE_MAX_AMOUNT:
        raise PaymentInvalidLines
    return checked


# --- paying ---------------------------------------------------------------------------------


def checkout_url(payment: Payment, *, language: str) -> str:
    """Where to send the resident to pay a pending payment: its open hosted checkout, or a
    new one. Refuses (payment_not_payable) once it is not pending or its checkout lapsed."""
    account = accounts.account(payment.account)
    backend = _backend(payment.provider)
    now = timezone.now()
    with transaction.atomic():
        locked = changes.lock(payment)
        if locked.status != PaymentStatus.PENDING:
            raise PaymentNotPayable
        lapsed = bool(locked.checkout_id)
        if locked.checkout_id:
            if locked.checkout_expires_at and locked.checkout_expires_at > now + REUSE_MARGIN:
                return locked.checkout_url
        elif locked.checkout_expires_at is None or locked.checkout_expires_at < now + timedelta(
            minutes=CHECKOUT_MIN_MINUTES
        ):
            # Kept before asking, so a retry after a lost answer sends the same request.
            locked.checkout_expires_at = now + timedelta(minutes=CHECKOUT_MINUTES)
            locked.save(update_fields=["checkout_expires_at"])
    if lapsed:
        # Its checkout is (nearly) over: close it and take the provider's last word.
        _close_checkout(locked)
        changes._refresh(payment, locked)
        raise PaymentNotPayable
    # No transaction is held while the provider answers (SQLite would block the simulator,
    # PostgreSQL a connection): a second click sends the same request under the same
    # idempotency key and gets the same checkout back; should two checkouts still exist
    # (two languages at once), the one not stored is closed at once.
    try:
        checkout = backend.create_checkout(account, _checkout_request(locked, language=language))
    except ProviderError as error:
        logger.warning("payment %s: no checkout: %s", locked.public_id, error)
        raise PaymentProviderDown from None
    with transaction.atomic():
        locked = changes.lock(payment)
        if locked.checkout_id is None:
            # Kept even when the payment was cancelled meanwhile: should the checkout be
            # paid before it is closed below, its webhook then finds this payment.
            locked.checkout_id = checkout.id
            locked.checkout_url = checkout.url
            locked.checkout_expires_at = checkout.expires_at or locked.checkout_expires_at
            locked.save(update_fields=["checkout_id", "checkout_url", "checkout_expires_at"])
        stored = locked.status == PaymentStatus.PENDING and locked.checkout_id == checkout.id
        changes._refresh(payment, locked)
    if not stored:
        _expire_quietly(account, backend, checkout.id)
        if payment.status != PaymentStatus.PENDING:
            raise PaymentNotPayable
    return payment.checkout_url


def _expire_quietly(account: Account, backend: PaymentProvider, checkout_id: str) -> None:
    try:
        backend.expire(account, checkout_id)
    except ProviderError as error:
        logger.warning("checkout %s left open (expires by itself): %s", checkout_id, error)


def _checkout_request(payment: Payment, *, language: str) -> CheckoutRequest:
    assert payment.checkout_expires_at is not None
    language = "en" if language.startswith("en") else "ja"
    submission = payment.submission
    methods: tuple[str, ...] = ("card",)
    settings_of_form = submission.form_version.schema.fees
    if settings_of_form is not None:
        methods = tuple(settings_of_form.methods)
    return_url = settings.MADOGUCHI_SITE_URL.rstrip("/") + reverse(
        "payments:return", kwargs={"public_id": payment.public_id}
    )
    expires = int(payment.checkout_expires_at.timestamp())
    return CheckoutRequest(
        payment_id=str(payment.public_id),
        receipt_number=submission.receipt_number,
        lines=tuple(_checkout_lines(payment.lines, language)),
        amount=payment.amount,
        currency=payment.currency,
        methods=methods,
        language=language,
        success_url=return_url,
        cancel_url=return_url + "?cancelled=1",
        expires_at=payment.checkout_expires_at,
        idempotency_key=f"madoguchi-checkout-{payment.public_id}-{expires}-{language}",
    )


def _checkout_lines(lines: list[dict[str, Any]], language: str) -> list[CheckoutLine]:
    """The payment's lines as the checkout page lists them, in the resident's language;
    a taxable line says the tax it includes (prices include consumption tax, 総額表示)."""
    found: list[CheckoutLine] = []
    with override(language):
        for line in lines:
            if not line["amount"]:
                continue
            name = LocalizedText.model_validate(line["label"]).get(language)
            if line.get("tax_rate"):
                name = str(_("%(name)s (incl. %(rate)s%% consumption tax)")) % {
                    "name": name,
                    "rate": line["tax_rate"],
                }
            unit, quantity = line["unit_amount"], line["quantity"]
            if not quantity or unit * quantity != line["amount"]:
                unit, quantity = line["amount"], 1
            found.append(CheckoutLine(name=name[:250], unit_amount=unit, quantity=quantity))
    return found


def sync_from_provider(payment: Payment) -> Payment:
    """Ask the provider what became of a pending (or refunding) payment, and apply it.
    Raises PaymentProviderDown when the provider cannot be asked."""
    _synced(payment)
    return payment


def _synced(payment: Payment) -> ProviderPayment | None:
    if payment.status == PaymentStatus.REFUNDING:
        _sync_refund(payment)
        return None
    if payment.status != PaymentStatus.PENDING or not payment.checkout_id:
        return None
    account = accounts.account(payment.account)
    try:
        state = _backend(payment.provider).fetch(account, payment.checkout_id)
    except ProviderError as error:
        logger.warning("payment %s: could not ask the provider: %s", payment.public_id, error)
        raise PaymentProviderDown from None
    with transaction.atomic():
        changes.apply_checkout(payment, state)
    return state


def _close_checkout(payment: Payment, *, apply_only_paid: bool = False) -> None:
    """Expire a pending payment's open checkout at the provider, then apply its state (only
    a payment made meanwhile with ``apply_only_paid``: the caller cancels it instead)."""
    account = accounts.account(payment.account)
    backend = _backend(payment.provider)
    assert payment.checkout_id
    try:
        backend.expire(account, payment.checkout_id)
        state = backend.fetch(account, payment.checkout_id)
    except ProviderError as error:
        logger.warning("payment %s: checkout not closed: %s", payment.public_id, error)
        raise PaymentProviderDown from None
    if apply_only_paid and state.state != State.PAID:
        return
    with transaction.atomic():
        changes.apply_checkout(payment, state)


# --- cancelling -----------------------------------------------------------------------------


def cancel_open_payments(
    submission: Submission, *, staff: StaffMember | None = None, reason: str
) -> list[Payment]:
    """Cancel the submission's pending payment so it can no longer be paid (its application
    was rejected or withdrawn): its checkout is expired at the provider, then the payment
    is cancelled with PAYMENT_CANCELLED (``reason``: a code for the ledger, such as
    "rejected"). Returns the payments cancelled.

    Call it after the change of status has committed: it asks the provider. A checkout paid
    meanwhile is applied as paid instead (staff refund it). When the provider cannot be
    reached, a payment whose checkout was opened is left pending, and ``reconcile_pending``
    cancels it later: that checkout may have been paid a moment ago, and a payment marked
    cancelled locally would hide money received until its webhook came. A payment that
    never opened a checkout is cancelled at once: nothing at the provider can be paid.

    A konbini slip already issued cannot be closed (it is not an open checkout): it is
    cancelled here all the same, and paid at the store afterwards it becomes a late
    payment (states.py) that staff refund."""
    actor = events.pseudonym("staff", staff.pk) if staff is not None else "system"
    cancelled: list[Payment] = []
    pending = Payment.objects.filter(submission=submission, status=PaymentStatus.PENDING)
    for payment in pending.order_by("created_at", "pk"):
        # Twice at most: a checkout opened while the first was being closed is closed too.
        for _attempt in range(2):
            if payment.checkout_id:
                try:
                    _close_checkout(payment, apply_only_paid=True)
                except (PaymentProviderDown, PaymentUnavailable):
                    logger.warning(
                        "payment %s left pending (%s): the provider was not reached",
                        payment.public_id,
                        reason,
                    )
                    break
            with transaction.atomic():
                locked = changes.lock(payment)
                if locked.status != PaymentStatus.PENDING:
                    changes._refresh(payment, locked)
                    break
                if locked.checkout_id != payment.checkout_id:
                    changes._refresh(payment, locked)
                    continue
                changes.move(
                    locked, PaymentStatus.CANCELLED, actor=actor, now=timezone.now(), reason=reason
                )
                changes._refresh(payment, locked)
                cancelled.append(payment)
                break
    return cancelled


def cancel_when_closed(submission: Submission, change: StatusChange) -> None:
    """``submissions.status_hooks`` hook: an application rejected (by staff, one by one or
    in bulk) or withdrawn (取下げ, by the resident) has its open payment cancelled once the
    change has committed (``cancel_open_payments`` asks the provider, which must not
    happen under the submission's row lock; a change rolled back cancels nothing)."""
    if change.to_status not in CLOSED:
        return
    if not Payment.objects.filter(submission=submission, status=PaymentStatus.PENDING).exists():
        return
    staff, reason = change.actor, str(change.to_status)
    transaction.on_commit(
        lambda: cancel_open_payments(submission, staff=staff, reason=reason), robust=True
    )


# --- refunds --------------------------------------------------------------------------------


def request_refund(payment: Payment, *, staff: StaffMember, reason: str) -> Payment:
    """Refund a paid payment in full. It is refunding until the provider confirms (now, by
    webhook, or when ``reconcile_pending`` asks); a retried request never refunds twice."""
    with transaction.atomic():
        locked = changes.lock(payment)
        if locked.municipality_id != staff.municipality_id:
            raise PaymentNotRefundable
        if locked.status != PaymentStatus.PAID or not locked.provider_reference:
            raise PaymentNotRefundable
        locked.refunded_by = staff
        locked.refund_reason = reason.strip()[:500]
        changes.move(
            locked,
            PaymentStatus.REFUNDING,
            actor=events.pseudonym("staff", staff.pk),
            now=timezone.now(),
        )
        changes._refresh(payment, locked)
    _send_refund(payment)
    return payment


def _send_refund(payment: Payment) -> None:
    account = accounts.account(payment.account)
    try:
        refund = _backend(payment.provider).refund(
            account,
            reference=payment.provider_reference,
            amount=payment.amount,
            payment_id=str(payment.public_id),
            key=f"madoguchi-refund-{payment.public_id}",
        )
    except ProviderError as error:
        # Stays refunding; reconcile_pending sends it again under the same key.
        logger.warning("payment %s: refund not sent yet: %s", payment.public_id, error)
        return
    with transaction.atomic():
        changes.apply_refund(payment, refund.state, refund_reference=refund.reference)


def _sync_refund(payment: Payment) -> None:
    if not payment.refund_reference:
        _send_refund(payment)
        return
    account = accounts.account(payment.account)
    try:
        refund = _backend(payment.provider).fetch_refund(account, payment.refund_reference)
    except ProviderError as error:
        logger.warning("payment %s: could not ask about the refund: %s", payment.public_id, error)
        raise PaymentProviderDown from None
    with transaction.atomic():
        changes.apply_refund(payment, refund.state)


# --- webhooks -------------------------------------------------------------------------------


def handle_webhook(
    provider: str, account: str, body: bytes, headers: Mapping[str, str]
) -> WebhookEvent:
    """Verify a provider's notification and apply it once.

    Raises WebhookRejected (the view answers 400) when the provider or account is unknown
    or the signature does not verify. A replayed event id changes nothing and returns the
    first record. For a checkout, the notice must match the payment, and then the provider
    is asked for the checkout itself (its fee and net, and a second word on the state)."""
    try:
        backend = _backend(provider)
    except PaymentUnavailable:
        raise WebhookRejected from None
    found = accounts.account_or_none(account)
    if found is None or found.provider != provider:
        raise WebhookRejected
    try:
        notice = backend.parse_webhook(found, body, headers)
    except InvalidSignature:
        logger.warning("payments: a %s webhook for %s did not verify", provider, account)
        raise WebhookRejected from None
    seen = WebhookEvent.objects.filter(provider=provider, event_id=notice.event_id).first()
    if seen is not None:
        return seen
    payment = _payment_for(notice, account)
    outcome = WebhookEvent.Outcome.IGNORED
    state: ProviderPayment | None = None
    if notice.kind in CHECKOUT_NOTICES or notice.kind in REFUND_NOTICES:
        if payment is None:
            outcome = WebhookEvent.Outcome.UNKNOWN_PAYMENT
        elif not _notice_matches(payment, notice):
            logger.warning(
                "payments: %s event %s does not match payment %s; left unchanged",
                provider,
                notice.event_id,
                payment.public_id,
            )
            outcome = WebhookEvent.Outcome.MISMATCH
        elif notice.kind in CHECKOUT_NOTICES and (
            payment.status == PaymentStatus.PENDING
            or (payment.status in LATE_FROM and notice.kind in _PAID_NOTICES)
        ):
            # Pending, or perhaps paid after it was cancelled or expired (the provider's
            # word on the checkout is applied: states.py, cancelled | expired → paid).
            try:
                state = backend.fetch(found, notice.checkout_id)
            except ProviderError as error:
                # Not recorded: the provider sends the event again later.
                logger.warning("payments: event %s not applied yet: %s", notice.event_id, error)
                raise PaymentProviderDown from None
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider,
                event_id=notice.event_id,
                event_type=notice.event_type[:100],
                payment=payment,
                outcome=outcome,
                received_at=timezone.now(),
            )
            if payment is not None and outcome == WebhookEvent.Outcome.IGNORED:
                applied = _apply_notice(payment, notice, state)
                if applied != Outcome.IGNORED:
                    event.outcome = WebhookEvent.Outcome(applied.value)
                    event.save(update_fields=["outcome"])
    except IntegrityError:
        # The same event, delivered twice at once: the other delivery applied it.
        return WebhookEvent.objects.get(provider=provider, event_id=notice.event_id)
    return event


def _payment_for(notice: Notice, account: str) -> Payment | None:
    payments = Payment.objects.filter(account=account).select_related("submission")
    if notice.kind in CHECKOUT_NOTICES and notice.checkout_id:
        return payments.filter(checkout_id=notice.checkout_id).first()
    if notice.kind in REFUND_NOTICES and notice.reference:
        return payments.filter(provider_reference=notice.reference).first()
    return None


def _notice_matches(payment: Payment, notice: Notice) -> bool:
    if notice.kind in REFUND_NOTICES and not notice.payment_id:
        # A charge refunded outside Madoguchi carries no payment id: amount and currency.
        return notice.amount == payment.amount and notice.currency == payment.currency
    return changes.matches(
        payment, amount=notice.amount, currency=notice.currency, payment_id=notice.payment_id
    )


def _apply_notice(payment: Payment, notice: Notice, state: ProviderPayment | None) -> Outcome:
    if state is not None:
        return changes.apply_checkout(payment, state)
    refund_states = {
        NoticeKind.REFUND_SUCCEEDED: RefundState.SUCCEEDED,
        NoticeKind.REFUND_FAILED: RefundState.FAILED,
    }
    if notice.kind in refund_states:
        return changes.apply_refund(
            payment, refund_states[notice.kind], refund_reference=notice.refund_reference
        )
    return Outcome.IGNORED


# --- reconciliation -----------------------------------------------------------------------


def reconcile_pending(
    *, older_than: timedelta = timedelta(minutes=10), now: datetime | None = None
) -> dict[str, int]:
    """Ask the provider about every pending payment whose checkout opened more than
    ``older_than`` ago (a webhook lost or late), close checkouts that outlived their
    expiry, and finish refunds in progress. Run from cron: ``madoguchi reconcile_payments``.
    Returns counts by outcome."""
    now = now or timezone.now()
    counts = {
        "polled": 0,
        "paid": 0,
        "expired": 0,
        "failed": 0,
        "cancelled": 0,
        "refunded": 0,
        "errors": 0,
    }
    pending = Payment.objects.filter(
        status=PaymentStatus.PENDING, checkout_id__isnull=False, created_at__lt=now - older_than
    ).filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=now - older_than))
    for payment in pending.select_related("submission").order_by("created_at"):
        counts["polled"] += 1
        try:
            state = _synced(payment)
            lapsed = payment.checkout_expires_at is not None and payment.checkout_expires_at < now
            if (
                payment.status == PaymentStatus.PENDING
                and state is not None
                and state.open
                and lapsed
            ):
                _close_checkout(payment)
            if payment.status == PaymentStatus.PENDING and payment.submission.status in CLOSED:
                # Its application was rejected or withdrawn while the provider was away.
                cancel_open_payments(payment.submission, reason=str(payment.submission.status))
                payment.refresh_from_db()
        except (PaymentProviderDown, PaymentUnavailable, UnknownBackend):
            counts["errors"] += 1
            continue
        if payment.status in counts:
            counts[payment.status] += 1
    for payment in Payment.objects.filter(status=PaymentStatus.REFUNDING).select_related(
        "submission"
    ):
        try:
            _sync_refund(payment)
        except (PaymentProviderDown, PaymentUnavailable, UnknownBackend):
            counts["errors"] += 1
            continue
        if payment.status == PaymentStatus.REFUNDED:
            counts["refunded"] += 1
    return counts


def _backend(name: str) -> PaymentProvider:
    try:
        return registry.provider(name)
    except UnknownBackend:
        raise PaymentUnavailable from None
