"""Every state change of an order happens here."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from generator import services as generator_services
from generator.models import ChildKind, Job, JobKind, Language
from generator.selectors import book_pdf
from orders import emails, payments, pricing
from orders.locks import transaction_lock
from orders.models import ORDER_TRANSITIONS, EmailKind, Order, OrderStatus, Preview, StripeEvent
from orders.stripe_events import (
    Charge,
    CheckoutSession,
    Dispute,
    MalformedEvent,
    charge_parse,
    dispute_parse,
    event_object,
    session_parse,
)

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
    if to == OrderStatus.PAID and order.paid_at is None:
        order.paid_at = timezone.now()
        fields.append("paid_at")
    if to == OrderStatus.DELIVERED:
        order.delivered_at = timezone.now()
        fields.append("delivered_at")
    order.save(update_fields=fields)
    return order


class OrderRateLimited(OrderError):
    pass


# The bucket of clients whose address could not be read (a proxy header that
# is not an address): they share one limit rather than escaping it.
UNREADABLE_ADDRESS = "unknown"


@transaction.atomic
def order_create(
    *,
    email: str,
    theme: str,
    child_name: str,
    age_group: str,
    paper_size: str,
    child_kind: str = ChildKind.CHILD,
    hair_color: str = "",
    hair_style: str = "",
    skin_tone: str = "",
    glasses: bool = False,
    dedication: str = "",
    language: str = Language.EN,
    client_ip: str | None = None,
    preview: Preview | None = None,
) -> Order:
    """Place an unpaid order at the server's price in the currency its
    language pays in (orders.pricing); `language` is also its pages', emails'
    and book's.

    `preview`, when the order was placed from one, is the preview whose
    book it buys (its brief is the preview's; see orders.previews).

    The child's look (child_kind .. glasses) and the dedication are optional:
    a look left blank is chosen by the book, no dedication prints none. The
    texts arrive cleaned (orders.forms.OrderForm).

    client_ip is where the order came from: an address, UNREADABLE_ADDRESS
    when the request carried one that could not be read, or None for orders
    not placed from the web (staff, scripts), which are not limited. At most
    ORDER_RATE_LIMIT_PER_HOUR orders per address per hour: the count and the
    insert run under a lock named by the address, so concurrent requests
    from one address are counted one after the other.
    """
    address = None if client_ip == UNREADABLE_ADDRESS else client_ip
    limit = settings.ORDER_RATE_LIMIT_PER_HOUR
    if client_ip and limit:
        transaction_lock(f"order-rate:{client_ip}")
        # Unreadable addresses are stored as no address; orders placed without
        # one by staff fill that bucket too, which errs on the side of limiting.
        same_client = Q(client_ip=address) if address else Q(client_ip__isnull=True)
        recent = Order.objects.filter(same_client, created_at__gte=timezone.now() - timedelta(hours=1))
        if recent.count() >= limit:
            raise OrderRateLimited(f"{client_ip} placed {limit} orders in the last hour.")
    price = pricing.book_price(language)
    return Order.objects.create(
        email=email,
        theme=theme,
        child_name=child_name,
        age_group=age_group,
        paper_size=paper_size,
        child_kind=child_kind,
        hair_color=hair_color,
        hair_style=hair_style,
        skin_tone=skin_tone,
        glasses=glasses,
        dedication=dedication,
        language=language,
        amount_cents=price.cents,
        currency=price.currency,
        client_ip=address,
        preview=preview,
    )


def order_checkout_url(*, order: Order) -> str:
    """Where the customer pays: Stripe Checkout, or the local demo checkout."""
    if settings.DEMO_CHECKOUT:
        return f"/orders/{order.token}/demo-checkout/"
    session = payments.checkout_session_create(order=order)
    Order.objects.filter(pk=order.pk).update(stripe_session_id=session.id)
    return session.url


# How an event kept before its payment reads for staff, and how it reads
# once the payment came and it was applied.
KEPT_REFUND = "refund before payment: kept"
KEPT_PARTIAL_REFUND = "partial refund before payment: kept"
KEPT_DISPUTE = "dispute before payment: kept"
APPLIED = "applied when the payment arrived"


def _payment_lock(payment_intent: str) -> None:
    """Serialize everything about one payment: its arrival, and a refund or
    dispute for it, so a kept event and its payment never miss each other.
    Taken before any order row lock, in every path, so they cannot deadlock."""
    if payment_intent:
        transaction_lock(f"payment-intent:{payment_intent}")


def order_fulfill(
    *, token: str, amount_cents: int, currency: str, session_id: str = "", payment_intent: str = ""
) -> tuple[Order | None, str]:
    """Record a confirmed payment and act on it. Idempotent: once an order's
    payment is recorded (paid_at), another call changes nothing.

    Every payment that matches the order's price keeps its session id,
    payment intent and paid_at, so staff and Stripe's later events can find
    and refund it. Then, in this order:
    - a dispute kept for this payment: the order is closed for staff, no book;
    - a full refund kept for it: the order is refunded, no book;
    - an order already closed (cancelled): flagged for staff to refund, no book;
    - otherwise paid, its job created and queued, its confirmation written
      to the outbox.
    Returns the order and what was done, for the log.
    """
    with transaction.atomic():
        _payment_lock(payment_intent)
        order = Order.objects.select_for_update().filter(token=token).first()
        if order is None:
            return None, f"no order with token {token!r}"
        if order.paid_at is not None:
            return order, "already paid; nothing to do"
        _payment_ids_keep(order, session_id=session_id, payment_intent=payment_intent)
        if amount_cents != order.amount_cents or currency.lower() != order.currency:
            problem = (
                f"Payment of {amount_cents} {currency.lower()} does not match the order's "
                f"{order.amount_cents} {order.currency}; not fulfilled."
            )
            return order, _order_flag(order, problem)

        kept = _events_awaiting(payment_intent)
        order.paid_at = timezone.now()
        order.save(update_fields=["paid_at", "updated_at"])
        closed = OrderStatus.PAID not in ORDER_TRANSITIONS[order.status]
        if not closed:
            order_transition(order, OrderStatus.PAID)
        disputes = [dispute_parse(event_object(e.payload)) for e in kept if e.type == "charge.dispute.created"]
        charges = [charge_parse(event_object(e.payload)) for e in kept if e.type == "charge.refunded"]
        if disputes:
            outcome = _order_dispute(order, disputes[0])
        elif any(charge.refunded for charge in charges):
            _order_mark_refunded(order, "Refunded in Stripe before its payment arrived.")
            outcome = "refunded before its payment arrived; no book made"
        elif closed:
            problem = (
                f"A payment arrived for an order that is {order.status}; not fulfilled and no book made: "
                "refund it from the admin."
            )
            outcome = _order_flag(order, problem)
        else:
            for charge in charges:
                _order_flag(order, _partial_refund_note(charge))
            order.job = _book_job(order)
            order.save(update_fields=["job", "updated_at"])
            order_transition(order, OrderStatus.QUEUED)
            # Written with the payment; the worker's outbox thread sends it within
            # a second or two, even while a book is being made, and never on
            # this request: a slow mail provider must not slow Stripe's webhook.
            emails.email_queue(order=order, kind=EmailKind.CONFIRMATION)
            outcome = "fulfilled"
        for event in kept:
            event.order = order
            event.awaits_payment = False
            event.outcome = f"{event.outcome}; {APPLIED}"
            event.save(update_fields=["order", "awaits_payment", "outcome"])
    return order, outcome


def _book_job(order: Order) -> Job:
    """The job that makes a paid order's book: its preview's, made into the
    whole book (every image of the preview kept, none paid twice), or a new
    one when the order has no preview or another paid order bought it."""
    preview = order.preview
    if preview is not None:
        job = Job.objects.select_for_update().filter(pk=preview.job_id, kind=JobKind.PREVIEW).first()
        if job is not None:
            Preview.objects.filter(pk=preview.pk).update(api_calls=job.api_calls, cost_micros=job.cost_micros)
            return generator_services.preview_to_book(job=job)
    return generator_services.job_create(**order.brief_fields())


def _payment_ids_keep(order: Order, *, session_id: str, payment_intent: str) -> None:
    """Keep a payment's Stripe ids on its order, whatever happens next: they
    are what a refund needs and what Stripe's later events are matched by."""
    if session_id and not order.stripe_session_id:
        order.stripe_session_id = session_id
    order.stripe_payment_intent = payment_intent or order.stripe_payment_intent
    order.save(update_fields=["stripe_session_id", "stripe_payment_intent", "updated_at"])


def _order_flag(order: Order, problem: str) -> str:
    """Note for staff why the order needs a look (the admin filters on it)."""
    order.problem = problem
    order.save(update_fields=["problem", "updated_at"])
    logger.warning("order %s: %s", order.pk, problem)
    return problem


def _partial_refund_note(charge: Charge) -> str:
    return f"Partly refunded: {charge.amount_refunded} {charge.currency}."


def _events_awaiting(payment_intent: str) -> list[StripeEvent]:
    """Refunds and disputes kept until this payment arrived, oldest first."""
    if not payment_intent:
        return []
    return list(
        StripeEvent.objects.select_for_update()
        .filter(payment_intent=payment_intent, awaits_payment=True)
        .order_by("received_at", "pk")
    )


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
    order_transition(order, OrderStatus.REFUNDED, problem=reason)
    order.refunded_at = timezone.now()
    order.save(update_fields=["refunded_at"])
    generator_services.job_cancel(job_id=order.job_id, reason=reason)
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
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == OrderStatus.CANCELLED:
            return order, "already cancelled"
        if order.paid_at is not None:
            raise OrderError("This order was paid: refund it instead, so the customer gets their money back.")
        order_transition(order, OrderStatus.CANCELLED, problem=reason)
        generator_services.job_cancel(job_id=order.job_id, reason=reason)
    return order, "cancelled"


def order_delivery_resend(*, order: Order) -> None:
    """Staff asked for the delivery again (a lost email): one more email in
    the outbox, which the worker sends with the stored PDF and a fresh link."""
    if book_pdf(order.job) is None:
        raise OrderError("There is no finished book to send yet.")
    emails.delivery_resend(order=order)


def _order_dispute(order: Order, dispute: Dispute) -> str:
    """With the order's row locked: the payment is contested, so no book is
    made (or made further) and staff answer the dispute in Stripe. The
    customer is not written to: their bank is already handling it."""
    contested = f"Payment disputed in Stripe ({dispute.reason}, {dispute.amount_cents} {dispute.currency})"
    if OrderStatus.CANCELLED in ORDER_TRANSITIONS[order.status]:
        problem = f"{contested}: no book is made. Answer the dispute in Stripe."
        order_transition(order, OrderStatus.CANCELLED, problem=problem)
        generator_services.job_cancel(job_id=order.job_id, reason=problem)
        logger.warning("order %s: %s", order.pk, problem)
        return f"disputed: order closed ({order.status})"
    # Delivered, refunded or already closed: the status stays, staff are told.
    return _order_flag(order, f"{contested} while the order is {order.status}. Answer the dispute in Stripe.")


# Stripe events -------------------------------------------------------------


class Handled(NamedTuple):
    """What handling an event did: the order it concerned, the outcome for
    the log and staff, and whether it waits for its payment to arrive."""

    order: Order | None
    outcome: str
    awaits_payment: bool = False


def _session_fulfill(session: CheckoutSession) -> Handled:
    return Handled(
        *order_fulfill(
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
    return Handled(*order_close(token=session.token, to=OrderStatus.EXPIRED, reason="Checkout expired unpaid."))


def _on_async_payment_failed(session: CheckoutSession) -> Handled:
    return Handled(*order_close(token=session.token, to=OrderStatus.CANCELLED, reason="The payment failed."))


def _order_of_payment(payment_intent: str) -> Order | None:
    """The order whose recorded payment this is, row locked; None while the
    payment has not arrived (a refund or dispute may come first)."""
    order = Order.objects.select_for_update().filter(stripe_payment_intent=payment_intent).first()
    return order if order is not None and order.paid_at is not None else None


def _on_charge_refunded(charge: Charge) -> Handled:
    with transaction.atomic():
        _payment_lock(charge.payment_intent)
        order = _order_of_payment(charge.payment_intent)
        if order is None:
            # Kept, and applied by order_fulfill when the payment arrives.
            return Handled(None, KEPT_REFUND if charge.refunded else KEPT_PARTIAL_REFUND, awaits_payment=True)
        if not charge.refunded:
            return Handled(order, _order_flag(order, _partial_refund_note(charge)))
        if order.status == OrderStatus.REFUNDED:
            return Handled(order, "already refunded")
        if OrderStatus.REFUNDED not in ORDER_TRANSITIONS[order.status]:
            return Handled(order, _order_flag(order, f"Refunded in Stripe while {order.status}; look at it."))
        _order_mark_refunded(order, "Refunded in Stripe.")
    return Handled(order, "refunded")


def _on_dispute_created(dispute: Dispute) -> Handled:
    with transaction.atomic():
        _payment_lock(dispute.payment_intent)
        order = _order_of_payment(dispute.payment_intent)
        if order is None:
            return Handled(None, KEPT_DISPUTE, awaits_payment=True)
        return Handled(order, _order_dispute(order, dispute))


# Each event type the shop handles: the parser of its data.object, and its handler.
EVENT_HANDLERS: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[Any], Handled]]] = {
    "checkout.session.completed": (session_parse, _on_session_completed),
    "checkout.session.async_payment_succeeded": (session_parse, _session_fulfill),
    "checkout.session.expired": (session_parse, _on_session_expired),
    "checkout.session.async_payment_failed": (session_parse, _on_async_payment_failed),
    "charge.refunded": (charge_parse, _on_charge_refunded),
    "charge.dispute.created": (dispute_parse, _on_dispute_created),
}


def stripe_event_process(*, event: dict[str, Any]) -> StripeEvent | None:
    """Record a verified Stripe event once and handle it. A redelivery (same
    event id) returns None and changes nothing.

    The event's id and type were checked by payments.webhook_event_verify.
    A data.object of the wrong shape is recorded with outcome "malformed:
    ..." and changes nothing else: Stripe would send it again unchanged, so
    failing the delivery would only make it retry for days.
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
        handled = Handled(None, "ignored: not an event the shop handles")
        if handler is not None:
            parse, handle = handler
            try:
                parsed = parse(event_object(event))
            except MalformedEvent as exc:
                handled = Handled(None, f"malformed: {exc}")
                logger.warning("stripe event %s %s is malformed: %s", record.type, record.event_id, exc)
            else:
                record.payment_intent = getattr(parsed, "payment_intent", "")
                handled = handle(parsed)
        record.order = handled.order
        record.outcome = handled.outcome
        record.awaits_payment = handled.awaits_payment
        record.processed_at = timezone.now()
        record.save(update_fields=["order", "outcome", "payment_intent", "awaits_payment", "processed_at"])
    logger.info("stripe event %s %s: %s", record.type, record.event_id, handled.outcome)
    return record
