"""Every state change of an order happens here."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
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
    Dispute,
    MalformedEvent,
    Refund,
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
# Kept events are of these types (StripeEvent.type).
DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")


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
    - a chargeback kept for this payment, open or lost: the order is closed
      for staff, no book;
    - a full refund kept for it: the order is refunded, no book;
    - an order already closed (cancelled): flagged for staff to refund, no book;
    - otherwise paid, its job created and queued, its confirmation written
      to the outbox; an inquiry, or a dispute already won, kept for it is
      noted for staff.
    Returns the order and what was done, for the log.
    """
    with transaction.atomic():
        _payment_lock(payment_intent)
        order = Order.objects.select_for_update().filter(token=token).first()
        if order is None:
            return None, f"no order with token {token!r}"
        if order.paid_at is not None:
            return order, "already paid; nothing to do"
        if holder := _session_holder(order, session_id):
            problem = (
                f"A payment arrived by Checkout Session {session_id}, which belongs to order {holder.number}; "
                "not fulfilled. Look at both in Stripe."
            )
            return order, _order_flag(order, problem)
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
        disputes = _disputes_latest([dispute_parse(event_object(e.payload)) for e in kept if e.type in DISPUTE_EVENTS])
        charges = [charge_parse(event_object(e.payload)) for e in kept if e.type == "charge.refunded"]
        stopping = [dispute for dispute in disputes if _dispute_stops_book(dispute)]
        if stopping:
            outcome = _order_dispute(order, stopping[0])
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
            for dispute in disputes:
                _order_dispute(order, dispute)
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


def _session_holder(order: Order, session_id: str) -> Order | None:
    """Another order that already holds this Checkout Session: a session
    pays for one order, so a payment naming it for a second one is not
    fulfilled (and would break the unique session id: a 500 Stripe retries
    for days). Locked, so a concurrent payment for it waits for this one."""
    if not session_id:
        return None
    return Order.objects.select_for_update().filter(stripe_session_id=session_id).exclude(pk=order.pk).first()


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


def order_close(*, token: str, to: str, reason: str, email: str | None = None) -> tuple[Order | None, str]:
    """Close an unpaid order (checkout expired or payment failed), and write
    the customer's `email` (an EmailKind), if any, to the outbox with it."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(token=token).first()
        if order is None:
            return None, f"no order with token {token!r}"
        if order.status != OrderStatus.PENDING_PAYMENT:
            return order, f"order is {order.status}; left as it is"
        order_transition(order, to, problem=reason)
        if email is not None:
            emails.email_queue(order=order, kind=email)
    return order, f"closed as {to}" + (f"; {email} email written" if email else "")


def order_payment_failed(*, token: str) -> tuple[Order | None, str]:
    """The delayed payment (a SEPA debit) failed: the order is closed and
    the parent told, in the order's language, with a link that starts the
    same order again (orders.emails)."""
    return order_close(
        token=token, to=OrderStatus.CANCELLED, reason="The payment failed.", email=EmailKind.PAYMENT_FAILED
    )


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


# Payments Stripe tells us about ---------------------------------------------


def _order_of_payment(payment_intent: str) -> Order | None:
    """The order whose recorded payment this is, row locked; None while the
    payment has not arrived (a refund or dispute may come first)."""
    order = Order.objects.select_for_update().filter(stripe_payment_intent=payment_intent).first()
    return order if order is not None and order.paid_at is not None else None


def order_charge_refunded(*, charge: Charge) -> tuple[Order | None, str]:
    """Stripe refunded the charge (charge.refunded), all of it or part.
    (None, KEPT_...) while its payment has not arrived: the event is kept
    and order_fulfill applies it when the payment comes."""
    with transaction.atomic():
        _payment_lock(charge.payment_intent)
        order = _order_of_payment(charge.payment_intent)
        if order is None:
            return None, KEPT_REFUND if charge.refunded else KEPT_PARTIAL_REFUND
        if not charge.refunded:
            return order, _order_flag(order, _partial_refund_note(charge))
        if order.status == OrderStatus.REFUNDED:
            return order, "already refunded"
        if order.failed_refund_id and order.status == OrderStatus.CANCELLED:
            # A charge.refunded from before the refund failed, delivered
            # late: the failure stands, and staff keep its note.
            return order, f"refund {order.failed_refund_id} failed since; left as it is"
        if OrderStatus.REFUNDED not in ORDER_TRANSITIONS[order.status]:
            return order, _order_flag(order, f"Refunded in Stripe while {order.status}; look at it.")
        _order_mark_refunded(order, "Refunded in Stripe.")
    return order, "refunded"


def order_refund_failed(*, refund: Refund) -> tuple[Order | None, str]:
    """Stripe could not deliver a refund (refund.failed, or refund.updated
    with status failed): the money is back in our Stripe balance, not with
    the parent, who was told it was coming.

    A refunded order becomes cancelled (closed, no book, and no longer
    claiming a refund; staff may refund it again from the admin, under a new
    idempotency key), its refunded_at cleared. Any order is flagged with
    the failure's reason and staff are mailed after commit (ADMINS; without
    ADMINS the admin's "needs attention" list is where they see it). The
    parent is not written to: staff agree another way to pay them back.
    Once per refund, whichever of Stripe's events about it come first."""
    with transaction.atomic():
        _payment_lock(refund.payment_intent)
        order = _order_of_payment(refund.payment_intent)
        if order is None:
            return None, f"refund {refund.refund_id} failed for no paid order ({refund.payment_intent})"
        if order.failed_refund_id == refund.refund_id:
            return order, f"refund {refund.refund_id} failure already recorded"
        order.failed_refund_id = refund.refund_id
        order.save(update_fields=["failed_refund_id", "updated_at"])
        problem = (
            f"Stripe could not deliver refund {refund.refund_id} of {refund.amount_cents} {refund.currency} "
            f"({refund.failure_reason}): the money is back in the Stripe balance, not with the customer. "
            "Contact the customer, then refund again or pay them another way."
        )
        if order.status == OrderStatus.REFUNDED:
            order_transition(order, OrderStatus.CANCELLED)
            order.refunded_at = None
            order.save(update_fields=["refunded_at"])
        _order_flag(order, problem)
        transaction.on_commit(lambda: emails.staff_notify(order_id=order.pk, subject="Refund failed", text=problem))
    return order, problem


# Disputes --------------------------------------------------------------------

# How far a dispute has gone, by Stripe's status. News of an earlier stage
# arriving after a later one (Stripe does not promise an order) changes
# nothing. An inquiry (warning_*) moves no money; the bank may escalate it to
# a chargeback under the same id, even after the inquiry closed.
DISPUTE_STAGES = {
    "warning_needs_response": 0,
    "warning_under_review": 0,
    "warning_closed": 1,
    "needs_response": 2,
    "under_review": 2,
    "won": 3,
    "lost": 3,
    "prevented": 3,
    "charge_refunded": 3,
}
# A status Stripe adds later is taken for an open chargeback: the money may
# be gone, so no book is made until staff look.
CHARGEBACK = 2
# The start of an inquiry's note, which the inquiry's closing clears.
INQUIRY_NOTE = "Inquiry from the cardholder's bank in Stripe"


def _dispute_stage(status: str) -> int:
    return DISPUTE_STAGES.get(status, CHARGEBACK) if status else -1


def _dispute_stops_book(dispute: Dispute) -> bool:
    """An open chargeback or a lost one: the money left, no book is made."""
    return _dispute_stage(dispute.status) == CHARGEBACK or dispute.status == "lost"


def _disputes_latest(disputes: list[Dispute]) -> list[Dispute]:
    """Each dispute's furthest status, from events kept in the order they came."""
    latest: dict[str, Dispute] = {}
    for dispute in disputes:
        known = latest.get(dispute.dispute_id)
        if known is None or _dispute_stage(dispute.status) >= _dispute_stage(known.status):
            latest[dispute.dispute_id] = dispute
    return list(latest.values())


def order_dispute_update(*, dispute: Dispute) -> tuple[Order | None, str]:
    """Stripe told us where a dispute of an order's payment stands
    (charge.dispute.created, .updated, .closed). (None, KEPT_DISPUTE) while
    the payment has not arrived: the event is kept for order_fulfill."""
    with transaction.atomic():
        _payment_lock(dispute.payment_intent)
        order = _order_of_payment(dispute.payment_intent)
        if order is None:
            return None, KEPT_DISPUTE
        return order, _order_dispute(order, dispute)


def _order_dispute(order: Order, dispute: Dispute) -> str:
    """With the order's row locked, its payment recorded: act on the
    dispute's status.
    - inquiry (warning_needs_response, warning_under_review): flagged for
      staff, the book goes on; closed (warning_closed): the flag is cleared;
    - chargeback open (needs_response, under_review) or lost: no book is made
      (or made further) and staff answer it in Stripe; a delivered or
      refunded order keeps its status and is flagged;
    - won: a book the chargeback stopped is made after all, the note says so.
    The customer is never written to: their bank is handling it."""
    stage = _dispute_stage(dispute.status)
    if order.dispute_id == dispute.dispute_id and stage < _dispute_stage(order.dispute_status):
        return f"dispute is already {order.dispute_status}; {dispute.status} is older news, nothing changed"
    order.dispute_id, order.dispute_status = dispute.dispute_id, dispute.status
    order.save(update_fields=["dispute_id", "dispute_status", "updated_at"])
    about = f"({dispute.reason}, {dispute.amount_cents} {dispute.currency})"
    if dispute.inquiry and stage == 0:
        note = f"{INQUIRY_NOTE} {about}: no money moved, the book goes on. Answer it in Stripe."
        return f"inquiry: {_order_flag(order, note)}"
    if dispute.status == "warning_closed":
        if order.problem.startswith(INQUIRY_NOTE):
            order.problem = ""
            order.save(update_fields=["problem", "updated_at"])
        return "inquiry closed: note cleared"
    if dispute.status == "won":
        return _order_dispute_won(order, about)
    if dispute.status == "lost":
        contested = f"Dispute lost in Stripe {about}: the money went back to the cardholder"
    elif stage == CHARGEBACK:
        contested = f"Payment disputed in Stripe {about}"
    else:  # prevented, charge_refunded: closed without a decision against us
        return _order_flag(order, f"Dispute closed in Stripe as {dispute.status} {about}; the order is {order.status}.")
    if order.status == OrderStatus.CANCELLED and order.dispute_stopped_book:
        return _order_flag(order, f"{contested}: no book is made. Answer the dispute in Stripe.")
    if OrderStatus.CANCELLED in ORDER_TRANSITIONS[order.status]:
        problem = f"{contested}: no book is made. Answer the dispute in Stripe."
        order_transition(order, OrderStatus.CANCELLED, problem=problem)
        order.dispute_stopped_book = True
        order.save(update_fields=["dispute_stopped_book"])
        generator_services.job_cancel(job_id=order.job_id, reason=problem)
        logger.warning("order %s: %s", order.pk, problem)
        return f"disputed: order closed ({order.status})"
    # Delivered, refunded or already closed: the status stays, staff are told.
    return _order_flag(order, f"{contested} while the order is {order.status}. Answer the dispute in Stripe.")


def _order_dispute_won(order: Order, about: str) -> str:
    """The bank decided for us and the money is back: a book the chargeback
    stopped goes back in line, keeping the pages it drew (or is made, if it
    never started). Its confirmation is written once, whenever it was."""
    won = f"Dispute won in Stripe {about}: the money is back."
    if not (order.status == OrderStatus.CANCELLED and order.dispute_stopped_book):
        return _order_flag(order, f"{won} The order is {order.status}; nothing else to do.")
    if order.personal_data_deleted_at is not None:
        # The parent deleted the order's data while it was closed: there is
        # no brief left to draw, and nothing of theirs may be stored again.
        return _order_flag(order, f"{won} Its data was deleted meanwhile: no book is made.")
    order.dispute_stopped_book = False
    order_transition(order, OrderStatus.QUEUED, problem=f"{won} Its book is being made again.")
    if order.job is None:
        order.job = _book_job(order)
    else:
        generator_services.job_resume(job_id=order.job_id)
    order.save(update_fields=["job", "dispute_stopped_book", "updated_at"])
    emails.email_queue(order=order, kind=EmailKind.CONFIRMATION)
    logger.info("order %s: %s", order.pk, order.problem)
    return "dispute won: book resumed"


# The return from Checkout ----------------------------------------------------


def order_checkout_return(*, token: str, session_id: str) -> str:
    """The parent is back from Stripe Checkout on the status page, its
    success_url, with the session's id: if Stripe says that session is
    paid and its payment is not recorded yet (a late or lost webhook), it
    is fulfilled now through order_fulfill, exactly as the webhook would,
    so whichever comes first makes the one job and writes the one
    confirmation. Only the order's own session counts; an unpaid one, or a
    Stripe that does not answer, changes nothing (the webhook will come).
    Returns what was done, for the log."""
    order = Order.objects.filter(token=token).first()
    if settings.DEMO_CHECKOUT or order is None or order.paid_at is not None:
        return "nothing to do"
    if not session_id or session_id != order.stripe_session_id:
        return "not this order's checkout session"
    try:
        session = session_parse(payments.checkout_session_retrieve(session_id=session_id))
    except (payments.PaymentError, MalformedEvent) as exc:
        logger.warning("order %s: checkout session %s not read on return: %s", order.pk, session_id, exc)
        return "Stripe did not answer; waiting for the webhook"
    if session.session_id != session_id or session.token != order.token:
        return "the session Stripe returned is not this order's"
    if session.payment_status != "paid":
        return f"payment_status is {session.payment_status!r}; waiting"
    _, outcome = order_fulfill(
        token=order.token,
        amount_cents=session.amount_cents,
        currency=session.currency,
        session_id=session.session_id,
        payment_intent=session.payment_intent,
    )
    logger.info("order %s: fulfilled from the return page: %s", order.pk, outcome)
    return outcome
