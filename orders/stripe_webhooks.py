"""Stripe's events, from a verified delivery to the service that acts on it.

`stripe_event_process` records each event once (StripeEvent, unique by
event id), drops one of the other mode (a live event on a test key, or the
reverse), parses its data.object (orders.stripe_events) and hands it to the
order service that the event type names in EVENT_HANDLERS. The order's
life is in orders/services.py: this module only dispatches, and services
never import it.
"""

import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import payments, services
from orders.models import Order, OrderStatus, StripeEvent
from orders.stripe_events import (
    Charge,
    CheckoutSession,
    Dispute,
    MalformedEvent,
    Refund,
    charge_parse,
    dispute_parse,
    event_object,
    refund_parse,
    session_parse,
)

logger = logging.getLogger(__name__)

# The outcome of an event of the other mode starts with this (the admin's
# "other mode" filter).
OTHER_MODE = "ignored: "


class Handled(NamedTuple):
    """What handling an event did: the order it concerned, the outcome for
    the log and staff, and whether it waits for its payment to arrive."""

    order: Order | None
    outcome: str
    awaits_payment: bool = False


def _session_fulfill(session: CheckoutSession) -> Handled:
    return Handled(
        *services.order_fulfill(
            token=session.token,
            amount_cents=session.amount_cents,
            currency=session.currency,
            session_id=session.session_id,
            payment_intent=session.payment_intent,
        )
    )


def _on_session_completed(session: CheckoutSession) -> Handled:
    if session.payment_status != "paid":
        # Delayed payment methods: wait for async_payment_succeeded.
        order = Order.objects.filter(token=session.token).first() if session.token else None
        return Handled(order, f"payment_status is {session.payment_status!r}; waiting")
    return _session_fulfill(session)


def _on_session_expired(session: CheckoutSession) -> Handled:
    return Handled(
        *services.order_close(token=session.token, to=OrderStatus.EXPIRED, reason="Checkout expired unpaid.")
    )


def _on_async_payment_failed(session: CheckoutSession) -> Handled:
    return Handled(*services.order_payment_failed(token=session.token))


def _on_charge_refunded(charge: Charge) -> Handled:
    order, outcome = services.order_charge_refunded(charge=charge)
    # No order: the refund came before its payment and is kept for it.
    return Handled(order, outcome, awaits_payment=order is None)


def _on_dispute(dispute: Dispute) -> Handled:
    order, outcome = services.order_dispute_update(dispute=dispute)
    return Handled(order, outcome, awaits_payment=order is None)


def _on_refund_updated(refund: Refund) -> Handled:
    if refund.status != "failed":
        return Handled(None, f"refund {refund.refund_id} is {refund.status}; nothing to do")
    return Handled(*services.order_refund_failed(refund=refund))


# Each event type the shop handles: the parser of its data.object, and its handler.
EVENT_HANDLERS: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[Any], Handled]]] = {
    "checkout.session.completed": (session_parse, _on_session_completed),
    "checkout.session.async_payment_succeeded": (session_parse, _session_fulfill),
    "checkout.session.expired": (session_parse, _on_session_expired),
    "checkout.session.async_payment_failed": (session_parse, _on_async_payment_failed),
    "charge.refunded": (charge_parse, _on_charge_refunded),
    # One handler for every step of a dispute: its status says what to do.
    "charge.dispute.created": (dispute_parse, _on_dispute),
    "charge.dispute.updated": (dispute_parse, _on_dispute),
    "charge.dispute.closed": (dispute_parse, _on_dispute),
    # A refund that fails after it was made: refund.failed, and refund.updated
    # (charge.refund.updated on older API versions) with status failed.
    "refund.failed": (refund_parse, _on_refund_updated),
    "refund.updated": (refund_parse, _on_refund_updated),
    "charge.refund.updated": (refund_parse, _on_refund_updated),
}


def _mode(live: bool) -> str:
    return "live" if live else "test"


def _other_mode(event: dict[str, Any]) -> str:
    """Why the event is not for this shop's mode, or "" when it is.

    Stripe sends `livemode` on every event. One without it (written by hand,
    signed with our secret) is taken for a test event: handled on a test key,
    never on a live one."""
    live = event.get("livemode", False)
    if not isinstance(live, bool):
        raise MalformedEvent(f"livemode is {live!r}, not true or false")
    key_live = payments.key_livemode()
    if live == key_live:
        return ""
    return f"{OTHER_MODE}{_mode(live)} event on a {_mode(key_live)} key"


def stripe_event_process(*, event: dict[str, Any]) -> StripeEvent | None:
    """Record a verified Stripe event once and handle it. A redelivery (same
    event id) returns None and changes nothing.

    The event's id and type were checked by payments.webhook_event_verify.
    An event whose mode is not the key's (a live event on a test key, or a
    test event on a live one) is recorded, with outcome "ignored: live event
    on a test key", and does nothing else: a live payment must never be
    fulfilled by a test shop, nor a test one by the real shop. A data.object
    of the wrong shape is recorded with outcome "malformed: ..." and changes
    nothing else: Stripe would send it again unchanged, so failing the
    delivery would only make it retry for days.
    """
    handler = EVENT_HANDLERS.get(event["type"])
    # One transaction for the record and its effects: if handling fails, the
    # record is rolled back too and Stripe's retry is handled afresh.
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(event_id=event["id"], type=event["type"], payload=event)
        except IntegrityError:
            return None
        try:
            other_mode = _other_mode(event)
            parsed = handler[0](event_object(event)) if handler and not other_mode else None
        except MalformedEvent as exc:
            handled = Handled(None, f"malformed: {exc}")
            logger.warning("stripe event %s %s is malformed: %s", record.type, record.event_id, exc)
        else:
            if other_mode:
                handled = Handled(None, other_mode)
            elif handler is None:
                handled = Handled(None, "ignored: not an event the shop handles")
            else:
                record.payment_intent = getattr(parsed, "payment_intent", "")
                handled = handler[1](parsed)
        record.order = handled.order
        record.outcome = handled.outcome
        record.awaits_payment = handled.awaits_payment
        record.processed_at = timezone.now()
        record.save(update_fields=["order", "outcome", "payment_intent", "awaits_payment", "processed_at"])
    logger.info("stripe event %s %s: %s", record.type, record.event_id, handled.outcome)
    return record
