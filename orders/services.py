"""Every state change of an order happens here."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import emails, payments
from orders.models import ORDER_TRANSITIONS, EmailKind, Order, OrderStatus, StripeEvent

logger = logging.getLogger(__name__)


class OrderError(Exception):
    """A domain rule refused the change."""


class IllegalTransition(OrderError):
    pass


def order_transition(order: Order, to: str, *, problem: str | None = None) -> Order:
    """Move an order to another status, or raise if the table forbids it.

    The caller holds the order's row lock (select_for_update) when races matter.
    """
    if order.status == to:
        return order
    if to not in ORDER_TRANSITIONS[order.status]:
        raise IllegalTransition(f"Order {order.pk}: {order.status} -> {to} is not allowed.")
    order.status = to
    fields = ["status", "updated_at"]
    if problem is not None:
        order.problem = problem
        fields.append("problem")
    if to == OrderStatus.PAID:
        order.paid_at = timezone.now()
        fields.append("paid_at")
    if to == OrderStatus.DELIVERED:
        order.delivered_at = timezone.now()
        fields.append("delivered_at")
    order.save(update_fields=fields)
    return order


class OrderRateLimited(OrderError):
    pass


@transaction.atomic
def order_create(
    *, email: str, theme: str, child_name: str, age_group: str, paper_size: str, client_ip: str | None = None
) -> Order:
    if client_ip and settings.ORDER_RATE_LIMIT_PER_HOUR:
        recent = Order.objects.filter(client_ip=client_ip, created_at__gte=timezone.now() - timedelta(hours=1))
        if recent.count() >= settings.ORDER_RATE_LIMIT_PER_HOUR:
            raise OrderRateLimited(f"{client_ip} placed {settings.ORDER_RATE_LIMIT_PER_HOUR} orders in the last hour.")
    return Order.objects.create(
        email=email,
        theme=theme,
        child_name=child_name,
        age_group=age_group,
        paper_size=paper_size,
        amount_cents=settings.BOOK_PRICE_CENTS,
        currency=settings.BOOK_CURRENCY,
        client_ip=client_ip,
    )


def order_checkout_url(*, order: Order) -> str:
    """Where the customer pays: Stripe Checkout, or the local demo checkout."""
    if settings.DEMO_CHECKOUT:
        return f"/orders/{order.token}/demo-checkout/"
    session = payments.checkout_session_create(order=order)
    Order.objects.filter(pk=order.pk).update(stripe_session_id=session.id)
    return session.url


def order_fulfill(
    *, token: str, amount_cents: int, currency: str, session_id: str = "", payment_intent: str = ""
) -> tuple[Order | None, str]:
    """Record a confirmed payment: mark the order paid, create and queue its
    job, and write its confirmation to the outbox. Idempotent: a second call for the same
    order changes nothing. Returns the order and what was done, for the log."""
    from generator import services as generator_services

    with transaction.atomic():
        order = Order.objects.select_for_update().filter(token=token).first()
        if order is None:
            return None, f"no order with token {token!r}"
        if order.paid_at is not None:
            return order, "already paid; nothing to do"
        if OrderStatus.PAID not in ORDER_TRANSITIONS[order.status]:
            problem = f"A payment arrived for an order that is {order.status}; not fulfilled: refund it or retry it."
            order.problem = problem
            order.save(update_fields=["problem", "updated_at"])
            logger.warning("order %s: %s", order.pk, problem)
            return order, problem
        if amount_cents != order.amount_cents or currency.lower() != order.currency:
            problem = (
                f"Payment of {amount_cents} {currency.lower()} does not match the order's "
                f"{order.amount_cents} {order.currency}; not fulfilled."
            )
            order.problem = problem
            order.save(update_fields=["problem", "updated_at"])
            logger.warning("order %s: %s", order.pk, problem)
            return order, problem
        if session_id and not order.stripe_session_id:
            order.stripe_session_id = session_id
        order.stripe_payment_intent = payment_intent or order.stripe_payment_intent
        order.save(update_fields=["stripe_session_id", "stripe_payment_intent", "updated_at"])
        order_transition(order, OrderStatus.PAID)
        generator_services.job_create(order=order)
        order_transition(order, OrderStatus.QUEUED)
        # Written with the payment; the worker's outbox thread sends it within
        # a second or two, even while a book is being made, and never on
        # this request: a slow mail provider must not slow Stripe's webhook.
        emails.email_queue(order=order, kind=EmailKind.CONFIRMATION)
    return order, "fulfilled"


def order_close(*, token: str, to: str, reason: str) -> tuple[Order | None, str]:
    """Close an unpaid order (checkout expired or payment failed)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(token=token).first()
        if order is None:
            return None, f"no order with token {token!r}"
        if order.status != OrderStatus.PENDING_PAYMENT:
            return order, f"order is {order.status}; left as it is"
        order_transition(order, to, problem=reason)
    return order, f"closed as {to}"


def _order_mark_refunded(order: Order, reason: str) -> None:
    """With the order's row locked: refunded, its job stopped if not done,
    and the customer's email written to the outbox (once)."""
    from generator import services as generator_services

    order_transition(order, OrderStatus.REFUNDED, problem=reason)
    order.refunded_at = timezone.now()
    order.save(update_fields=["refunded_at"])
    generator_services.job_cancel(order=order, reason=reason)
    emails.email_queue(order=order, kind=EmailKind.REFUND)


def order_refund(*, order_id: int, reason: str = "Refunded by staff.") -> tuple[Order, str]:
    """Staff action: refund the payment through Stripe and close the order.
    Repeating it changes nothing (Stripe's idempotency key, and the status)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == OrderStatus.REFUNDED:
            return order, "already refunded"
        if order.paid_at is None:
            raise OrderError("This order was never paid; there is nothing to refund.")
        if OrderStatus.REFUNDED not in ORDER_TRANSITIONS[order.status]:
            raise IllegalTransition(f"An order that is {order.status} cannot be refunded.")
        if order.stripe_payment_intent:
            refund = payments.refund_create(order=order)
            reason = f"{reason} (Stripe refund {refund.id})"
        elif not settings.DEMO_CHECKOUT:
            raise OrderError("The order has no Stripe payment to refund.")
        _order_mark_refunded(order, reason)
    return order, "refunded"


def order_cancel(*, order_id: int, reason: str = "Cancelled by staff.") -> tuple[Order, str]:
    """Staff action for an order that was never paid (or whose payment is
    handled elsewhere): close it and stop its job."""
    from generator import services as generator_services

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == OrderStatus.CANCELLED:
            return order, "already cancelled"
        if order.paid_at is not None:
            raise OrderError("This order was paid: refund it instead, so the customer gets their money back.")
        order_transition(order, OrderStatus.CANCELLED, problem=reason)
        generator_services.job_cancel(order=order, reason=reason)
    return order, "cancelled"


# Stripe events -------------------------------------------------------------


def _session_fulfill(session: dict[str, Any]) -> tuple[Order | None, str]:
    return order_fulfill(
        token=session.get("client_reference_id") or "",
        amount_cents=int(session.get("amount_total") or 0),
        currency=str(session.get("currency") or ""),
        session_id=str(session.get("id") or ""),
        payment_intent=str(session.get("payment_intent") or ""),
    )


def _on_session_completed(session: dict[str, Any]) -> tuple[Order | None, str]:
    if session.get("payment_status") != "paid":
        # Delayed payment methods: wait for async_payment_succeeded.
        order = Order.objects.filter(token=session.get("client_reference_id") or "").first()
        return order, f"payment_status is {session.get('payment_status')!r}; waiting"
    return _session_fulfill(session)


def _on_session_expired(session: dict[str, Any]) -> tuple[Order | None, str]:
    return order_close(
        token=session.get("client_reference_id") or "", to=OrderStatus.EXPIRED, reason="Checkout expired unpaid."
    )


def _on_async_payment_failed(session: dict[str, Any]) -> tuple[Order | None, str]:
    return order_close(
        token=session.get("client_reference_id") or "", to=OrderStatus.CANCELLED, reason="The payment failed."
    )


def _on_charge_refunded(charge: dict[str, Any]) -> tuple[Order | None, str]:
    intent = str(charge.get("payment_intent") or "")
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(stripe_payment_intent=intent).first() if intent else None
        if order is None:
            return None, f"no order with payment intent {intent!r}"
        if not charge.get("refunded"):
            note = f"Partly refunded: {charge.get('amount_refunded')} {charge.get('currency')}."
            order.problem = note
            order.save(update_fields=["problem", "updated_at"])
            return order, note
        if order.status == OrderStatus.REFUNDED:
            return order, "already refunded"
        _order_mark_refunded(order, "Refunded in Stripe.")
    return order, "refunded"


EVENT_HANDLERS = {
    "checkout.session.completed": _on_session_completed,
    "checkout.session.async_payment_succeeded": _session_fulfill,
    "checkout.session.expired": _on_session_expired,
    "checkout.session.async_payment_failed": _on_async_payment_failed,
    "charge.refunded": _on_charge_refunded,
}


def stripe_event_process(*, event: dict[str, Any]) -> StripeEvent | None:
    """Record a verified Stripe event once and handle it. A redelivery (same
    event id) returns None and changes nothing."""
    handler = EVENT_HANDLERS.get(event.get("type", ""))
    # One transaction for the record and its effects: if handling fails, the
    # record is rolled back too and Stripe's retry is handled afresh.
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(event_id=event["id"], type=event.get("type", ""), payload=event)
        except IntegrityError:
            return None
        if handler is None:
            order, outcome = None, "ignored: not an event the shop handles"
        else:
            order, outcome = handler(event.get("data", {}).get("object", {}))
        record.order = order
        record.outcome = outcome
        record.processed_at = timezone.now()
        record.save(update_fields=["order", "outcome", "processed_at"])
    logger.info("stripe event %s %s: %s", record.type, record.event_id, outcome)
    return record
