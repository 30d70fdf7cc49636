"""What every payment provider does for Madoguchi, in provider-neutral terms.

The payments app owns the state machine, the ledger events and the 領収書 numbers; a
provider only talks to the outside: it opens a hosted checkout for one payment, says what
became of it (:meth:`PaymentProvider.fetch`), closes an open checkout, refunds, and turns a
signed notification into a :class:`Notice`. Nothing here touches the database.

A provider never sees card data: the resident pays on the provider's hosted page, and only
references, amounts and the method's kind (card, konbini, paypay) come back.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Account:
    """One municipality's merchant account with one provider (``MADOGUCHI_PAYMENT_ACCOUNTS``).

    ``repr`` leaves the keys out, so an account in a traceback or a log line shows no secret.
    """

    lg_code: str
    provider: str
    secret_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    # Another API address than the provider's (the simulator in development and tests).
    api_base: str = ""


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount: int
    quantity: int


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a provider needs to open a hosted checkout for one payment."""

    payment_id: str
    receipt_number: str
    lines: tuple[CheckoutLine, ...]
    amount: int
    currency: str
    methods: tuple[str, ...]
    language: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    # The same key for a retried request: the provider answers with the same checkout.
    idempotency_key: str


@dataclass(frozen=True)
class Checkout:
    id: str
    url: str
    expires_at: datetime | None


class State(enum.StrEnum):
    """What the provider says became of a checkout (a subset of PaymentStatus)."""

    PENDING = "pending"  # open, or completed and awaiting the money (konbini)
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ProviderPayment:
    """A checkout as the provider sees it now."""

    checkout_id: str
    state: State
    amount: int
    currency: str
    # metadata[payment] of the checkout: the Payment.public_id it was opened for.
    payment_id: str
    # The money movement (a PaymentIntent id), the method used, and, once paid, the fee the
    # provider keeps and the net the city receives (from its balance transaction).
    reference: str = ""
    method: str = ""
    fee: int | None = None
    net: int | None = None
    # The checkout is still open (can be paid or expired).
    open: bool = False


class RefundState(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Refund:
    reference: str
    state: RefundState
    amount: int
    currency: str


class NoticeKind(enum.StrEnum):
    # About a checkout: it completed (paid or, for konbini, awaiting), paid later, failed
    # or expired.
    CHECKOUT_COMPLETED = "checkout_completed"
    CHECKOUT_PAID = "checkout_paid"
    CHECKOUT_FAILED = "checkout_failed"
    CHECKOUT_EXPIRED = "checkout_expired"
    # About a refund of a paid payment (found by its reference).
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"
    REFUND_PENDING = "refund_pending"
    # Anything else the account sends: acknowledged, not acted on.
    OTHER = "other"


CHECKOUT_NOTICES = frozenset(
    {
        NoticeKind.CHECKOUT_COMPLETED,
        NoticeKind.CHECKOUT_PAID,
        NoticeKind.CHECKOUT_FAILED,
        NoticeKind.CHECKOUT_EXPIRED,
    }
)
REFUND_NOTICES = frozenset(
    {NoticeKind.REFUND_SUCCEEDED, NoticeKind.REFUND_FAILED, NoticeKind.REFUND_PENDING}
)


@dataclass(frozen=True)
class Notice:
    """A verified notification, reduced to what Madoguchi acts on (never the payer's data)."""

    event_id: str
    event_type: str
    kind: NoticeKind
    checkout_id: str = ""
    reference: str = ""
    refund_reference: str = ""
    payment_id: str = ""
    amount: int | None = None
    currency: str = ""


class ProviderError(Exception):
    """The provider could not be reached or refused the request (retry later)."""


class InvalidSignature(Exception):
    """A notification whose signature does not verify (or that cannot be read)."""


class PaymentProvider(abc.ABC):
    """A payment provider backend, registered by ``name`` in ``payments.registry``."""

    name: str
    label: str

    @abc.abstractmethod
    def checkout_origins(self, account: Account) -> list[str]:
        """The origins of the hosted pages a resident is sent to (for ``form-action``)."""

    @abc.abstractmethod
    def create_checkout(self, account: Account, request: CheckoutRequest) -> Checkout:
        """Open a hosted checkout; the same ``idempotency_key`` gives the same checkout."""

    @abc.abstractmethod
    def fetch(self, account: Account, checkout_id: str) -> ProviderPayment:
        """What became of a checkout (raises ProviderError)."""

    @abc.abstractmethod
    def expire(self, account: Account, checkout_id: str) -> None:
        """Close an open checkout so it can no longer be paid (a no-op once it is not open)."""

    @abc.abstractmethod
    def refund(
        self, account: Account, *, reference: str, amount: int, payment_id: str, key: str
    ) -> Refund:
        """Refund ``amount`` of the money movement ``reference``; ``key`` makes it idempotent."""

    @abc.abstractmethod
    def fetch_refund(self, account: Account, refund_reference: str) -> Refund:
        """A refund's state now."""

    @abc.abstractmethod
    def parse_webhook(self, account: Account, body: bytes, headers: Mapping[str, str]) -> Notice:
        """Verify and read a notification (raises InvalidSignature)."""
