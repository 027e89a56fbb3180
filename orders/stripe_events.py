"""What the shop reads from a verified Stripe event, checked in one place.

A signature proves who sent an event, not that it has the shape we expect.
Each parser here takes the event's `data.object` as decoded JSON and returns
a small typed value, or raises MalformedEvent saying which field is wrong;
the processor (orders.stripe_webhooks.stripe_event_process) records that for staff
and answers 200, so Stripe does not retry an event that will never parse.
"""

from dataclasses import dataclass
from typing import Any


class MalformedEvent(ValueError):
    """A verified event whose fields are not what Stripe documents."""


@dataclass(frozen=True)
class CheckoutSession:
    """A Checkout Session (checkout.session.*)."""

    session_id: str
    # The order's token; "" when the session was not made by the shop.
    token: str
    payment_status: str
    amount_cents: int
    currency: str
    # "" while Stripe has not made one (unpaid async methods).
    payment_intent: str


@dataclass(frozen=True)
class Charge:
    """A charge (charge.refunded)."""

    payment_intent: str
    # True when the whole charge was refunded.
    refunded: bool
    amount_refunded: int
    currency: str


@dataclass(frozen=True)
class Dispute:
    """A dispute (charge.dispute.*): an inquiry while its status is
    `warning_*` (the bank asks, no money has moved), else a chargeback."""

    dispute_id: str
    payment_intent: str
    status: str
    reason: str
    amount_cents: int
    currency: str

    @property
    def inquiry(self) -> bool:
        return self.status.startswith("warning_")


@dataclass(frozen=True)
class Refund:
    """A refund (refund.updated, refund.failed, charge.refund.updated)."""

    refund_id: str
    payment_intent: str
    # pending, requires_action, succeeded, failed or canceled.
    status: str
    # Why it failed, when it did: lost_or_stolen_card, expired_or_canceled_card, ...
    failure_reason: str
    amount_cents: int
    currency: str


def event_object(event: dict[str, Any]) -> dict[str, Any]:
    """The event's `data.object`, which every event the shop handles has."""
    data = event.get("data")
    if not isinstance(data, dict):
        raise MalformedEvent(f"data is {_kind(data)}, not an object")
    obj = data.get("object")
    if not isinstance(obj, dict):
        raise MalformedEvent(f"data.object is {_kind(obj)}, not an object")
    return obj


def session_parse(obj: dict[str, Any]) -> CheckoutSession:
    return CheckoutSession(
        session_id=_text(obj, "id", required=True),
        token=_text(obj, "client_reference_id"),
        payment_status=_text(obj, "payment_status"),
        amount_cents=_amount(obj, "amount_total"),
        currency=_text(obj, "currency", required=True).lower(),
        payment_intent=_text(obj, "payment_intent"),
    )


def charge_parse(obj: dict[str, Any]) -> Charge:
    refunded = obj.get("refunded", False)
    if not isinstance(refunded, bool):
        raise MalformedEvent(f"refunded is {_kind(refunded)}, not true or false")
    return Charge(
        payment_intent=_text(obj, "payment_intent", required=True),
        refunded=refunded,
        amount_refunded=_amount(obj, "amount_refunded", default=0),
        currency=_text(obj, "currency").lower(),
    )


def dispute_parse(obj: dict[str, Any]) -> Dispute:
    return Dispute(
        # Events written before disputes were told apart carry no id: they
        # are one dispute.
        dispute_id=_text(obj, "id"),
        payment_intent=_text(obj, "payment_intent", required=True),
        # A dispute without a status is read as the chargeback it was
        # always taken for.
        status=_text(obj, "status") or "needs_response",
        reason=_text(obj, "reason") or "no reason given",
        amount_cents=_amount(obj, "amount", default=0),
        currency=_text(obj, "currency").lower(),
    )


def refund_parse(obj: dict[str, Any]) -> Refund:
    return Refund(
        refund_id=_text(obj, "id", required=True),
        payment_intent=_text(obj, "payment_intent", required=True),
        status=_text(obj, "status", required=True),
        failure_reason=_text(obj, "failure_reason") or "unknown",
        amount_cents=_amount(obj, "amount", default=0),
        currency=_text(obj, "currency").lower(),
    )


# Fields ----------------------------------------------------------------------

# Stripe's ids and codes are short; anything longer is not one of them (and
# would not fit the columns they are stored in).
MAX_TEXT = 255


def _kind(value: object) -> str:
    return "missing" if value is None else f"a {type(value).__name__}"


def _text(obj: dict[str, Any], name: str, *, required: bool = False) -> str:
    """A string field; null or absent reads as "" unless required."""
    value = obj.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"{name} is {_kind(value)}, not a string")
    if required and not value:
        raise MalformedEvent(f"{name} is empty")
    if len(value) > MAX_TEXT:
        raise MalformedEvent(f"{name} is {len(value)} characters long")
    return value


def _amount(obj: dict[str, Any], name: str, *, default: int | None = None) -> int:
    """A non-negative integer amount in the currency's smallest unit."""
    value = obj.get(name, default)
    if value is None:
        value = default
    # bool is an int in Python, and not an amount.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedEvent(f"{name} is {value!r}, not an amount in cents")
    return value
