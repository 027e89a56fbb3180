"""Stripe events in any order, for orders in any state, and in any shape:
a refund or dispute seen before its payment wins when the payment arrives,
a payment for a closed order keeps its ids and can be refunded, and a
signed but malformed event never gets a 500."""

import threading

import pytest
from django.core import mail
from django.db import connection

from generator import tasks
from generator.models import Job, JobStatus
from orders import services, stripe_webhooks
from orders.models import Order, OrderStatus, StripeEvent
from orders.outbox import outbox_send_due
from tests.conftest import checkout_event

pytestmark = pytest.mark.django_db

REFUND_SUBJECT = "Your order of Mia's coloring book was refunded"
CONFIRMATION_SUBJECT = "We're drawing Mia's coloring book"


def subjects() -> list[str]:
    """Subjects of the emails sent, once the outbox has sent what it holds."""
    outbox_send_due()
    return [m.subject for m in mail.outbox]


def intent_of(order: Order) -> str:
    """The payment intent checkout_event puts in an order's session."""
    return f"pi_test_{order.token[:12]}"


def refund_event(intent: str, *, event_id: str = "evt_refund", refunded: bool = True, amount: int = 999) -> dict:
    charge = {
        "id": "ch_test_1",
        "object": "charge",
        "payment_intent": intent,
        "refunded": refunded,
        "amount_refunded": amount,
        "currency": "usd",
    }
    return {"id": event_id, "object": "event", "type": "charge.refunded", "data": {"object": charge}}


def dispute_event(intent: str, *, event_id: str = "evt_dispute") -> dict:
    dispute = {
        "id": "dp_test_1",
        "object": "dispute",
        "charge": "ch_test_1",
        "payment_intent": intent,
        "amount": 999,
        "currency": "usd",
        "reason": "fraudulent",
        "status": "needs_response",
    }
    return {"id": event_id, "object": "event", "type": "charge.dispute.created", "data": {"object": dispute}}


# A refund or a dispute before the payment ----------------------------------


def test_a_full_refund_before_its_payment_wins_when_the_payment_arrives(
    make_order, post_event, django_capture_on_commit_callbacks
):
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(refund_event(intent_of(order))).status_code == 200
        kept = StripeEvent.objects.get(event_id="evt_refund")
        assert kept.payment_intent == intent_of(order)
        assert kept.outcome == "refund before payment: kept"
        assert post_event(checkout_event(order, event_id="evt_paid")).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.stripe_payment_intent == intent_of(order)
    assert order.paid_at is not None and order.refunded_at is not None
    assert not Job.objects.exists()
    assert tasks.job_run_next() == "no job waiting"
    assert CONFIRMATION_SUBJECT not in subjects()
    assert subjects().count(REFUND_SUBJECT) == 1
    kept.refresh_from_db()
    assert kept.order == order
    assert "applied" in kept.outcome
    assert StripeEvent.objects.get(event_id="evt_paid").outcome == "refunded before its payment arrived; no book made"

    # Stripe redelivers both, under the same and under new ids: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        post_event(checkout_event(order, event_id="evt_paid"))
        post_event(checkout_event(order, event_id="evt_paid_2", type="checkout.session.async_payment_succeeded"))
        post_event(refund_event(intent_of(order), event_id="evt_refund_2"))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert not Job.objects.exists()
    assert subjects().count(REFUND_SUBJECT) == 1


def test_a_refund_before_payment_for_an_order_that_knows_its_intent_is_kept(make_order, post_event):
    """The order may know its intent before it is paid (a session completed
    unpaid): the refund still waits for the payment instead of failing."""
    order = make_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent=intent_of(order))
    assert post_event(refund_event(intent_of(order))).status_code == 200
    assert StripeEvent.objects.get().outcome == "refund before payment: kept"
    post_event(checkout_event(order, event_id="evt_paid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert not Job.objects.exists()


def test_a_partial_refund_before_payment_is_noted_and_the_book_is_made(make_order, post_event):
    order = make_order()
    post_event(refund_event(intent_of(order), refunded=False, amount=300))
    assert StripeEvent.objects.get().outcome == "partial refund before payment: kept"
    post_event(checkout_event(order, event_id="evt_paid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.problem == "Partly refunded: 300 usd."
    assert Job.objects.get().status == JobStatus.QUEUED


def test_a_dispute_before_its_payment_closes_the_order_for_staff(
    make_order, post_event, django_capture_on_commit_callbacks
):
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        post_event(dispute_event(intent_of(order)))
        assert StripeEvent.objects.get().outcome == "dispute before payment: kept"
        post_event(checkout_event(order, event_id="evt_paid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.paid_at is not None
    assert order.stripe_payment_intent == intent_of(order)
    assert "disputed" in order.problem and "fraudulent" in order.problem
    assert not Job.objects.exists()
    assert CONFIRMATION_SUBJECT not in subjects()


def test_a_dispute_on_a_paid_order_stops_its_job_and_flags_it(paid_order, post_event):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_d")
    assert post_event(dispute_event("pi_test_d")).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "disputed" in order.problem
    assert Job.objects.get().status == JobStatus.CANCELLED
    assert tasks.job_run_next() == "no job waiting"
    assert StripeEvent.objects.get().order == order


def test_a_dispute_on_a_delivered_order_is_flagged_and_the_book_kept(finished_book, post_event):
    order = finished_book
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_d")
    post_event(dispute_event("pi_test_d"))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert "disputed" in order.problem
    assert Job.objects.get().status == JobStatus.DONE


# A payment for a closed order ----------------------------------------------


def test_a_payment_for_a_cancelled_order_keeps_its_ids_and_is_refundable(
    admin_client, fake_stripe, make_order, post_event, django_capture_on_commit_callbacks
):
    order = make_order()
    services.order_cancel(order_id=order.pk)
    assert post_event(checkout_event(order, event_id="evt_late")).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.stripe_payment_intent == intent_of(order)
    assert order.stripe_session_id == f"cs_test_{order.token[:12]}"
    assert order.paid_at is not None
    assert "refund" in order.problem
    assert not Job.objects.exists()
    # Staff see it in the list of orders that need a look.
    listing = admin_client.get("/admin/orders/order/", {"needs_attention": "yes"})
    assert listing.context["cl"].result_count == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]}, follow=True
        )
    assert response.status_code == 200
    [call] = fake_stripe.calls("/v1/refunds")
    assert call.params == {"payment_intent": intent_of(order)}
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    # Stripe's refund event then matches the order.
    post_event(refund_event(intent_of(order)))
    event = StripeEvent.objects.get(event_id="evt_refund")
    assert (event.order, event.outcome) == (order, "already refunded")


def test_a_refund_in_stripe_of_a_payment_for_a_cancelled_order_closes_it(
    make_order, post_event, django_capture_on_commit_callbacks
):
    order = make_order()
    post_event(checkout_event(order, event_id="evt_fail", type="checkout.session.async_payment_failed"))
    post_event(checkout_event(order, event_id="evt_late", type="checkout.session.async_payment_succeeded"))
    with django_capture_on_commit_callbacks(execute=True):
        post_event(refund_event(intent_of(order)))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert StripeEvent.objects.get(event_id="evt_refund").order == order
    assert subjects().count(REFUND_SUBJECT) == 1


def test_a_refund_kept_before_a_payment_for_a_cancelled_order_applies(make_order, post_event):
    order = make_order()
    services.order_cancel(order_id=order.pk)
    post_event(refund_event(intent_of(order)))
    post_event(checkout_event(order, event_id="evt_late"))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.stripe_payment_intent == intent_of(order)


def test_a_payment_that_does_not_match_keeps_its_intent_for_staff(make_order, post_event):
    order = make_order()
    post_event(checkout_event(order, event_id="evt_wrong", amount_total=500))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.stripe_payment_intent == intent_of(order)
    assert "does not match" in order.problem


# Malformed events ------------------------------------------------------------


def session_event(order: Order, **session) -> dict:
    return checkout_event(order, event_id="evt_bad", **session)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: {**e, "data": []},
        lambda e: {**e, "data": None},
        lambda e: {**e, "data": {}},
        lambda e: {**e, "data": {"object": "text"}},
        lambda e: {**e, "data": {"object": [1, 2]}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "amount_total": "abc"}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "amount_total": None}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "amount_total": True}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "amount_total": -5}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "amount_total": 9.99}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "currency": 840}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "client_reference_id": {"a": 1}}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "client_reference_id": 12}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "payment_intent": ["pi"]}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "id": None}}},
        lambda e: {**e, "data": {"object": {**e["data"]["object"], "payment_status": 1}}},
    ],
    ids=[
        "data-list",
        "data-null",
        "no-object",
        "object-text",
        "object-list",
        "amount-text",
        "amount-null",
        "amount-bool",
        "amount-negative",
        "amount-float",
        "currency-number",
        "reference-dict",
        "reference-number",
        "intent-list",
        "session-id-null",
        "payment-status-number",
    ],
)
def test_a_signed_malformed_session_event_is_recorded_for_staff_and_changes_nothing(
    make_order, post_event, admin_client, mangle
):
    order = make_order()
    response = post_event(mangle(session_event(order)))
    assert response.status_code == 200
    event = StripeEvent.objects.get(event_id="evt_bad")
    assert event.outcome.startswith("malformed: ")
    assert event.processed_at is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not Job.objects.exists()
    listing = admin_client.get("/admin/orders/stripeevent/", {"malformed": "yes"})
    assert listing.context["cl"].result_count == 1


@pytest.mark.parametrize(
    "charge",
    [
        {"payment_intent": 5, "refunded": True},
        {"payment_intent": "pi_1", "refunded": "yes"},
        {"payment_intent": "pi_1", "refunded": False, "amount_refunded": "lots"},
        {"refunded": True},
    ],
    ids=["intent-number", "refunded-text", "amount-text", "no-intent"],
)
def test_a_signed_malformed_charge_event_is_recorded(post_event, charge):
    response = post_event({"id": "evt_bad", "type": "charge.refunded", "data": {"object": charge}})
    assert response.status_code == 200
    assert StripeEvent.objects.get().outcome.startswith("malformed: ")


def test_a_malformed_dispute_is_recorded(post_event):
    dispute = {"object": "dispute", "payment_intent": None, "charge": None}
    assert post_event({"id": "evt_bad", "type": "charge.dispute.created", "data": {"object": dispute}}).status_code
    assert StripeEvent.objects.get().outcome.startswith("malformed: ")


@pytest.mark.parametrize(
    "event",
    [
        {"id": 12, "type": "charge.refunded", "data": {}},
        {"id": "", "type": "charge.refunded", "data": {}},
        {"id": ["evt"], "type": "charge.refunded", "data": {}},
        {"id": "evt_1", "type": None, "data": {}},
        {"id": "evt_" + "x" * 300, "type": "charge.refunded", "data": {}},
        {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"payment_intent": "pi_\u0000"}}},
    ],
    ids=["id-number", "id-empty", "id-list", "type-null", "id-too-long", "nul-character"],
)
def test_a_signed_event_without_a_usable_id_gets_400_and_writes_nothing(post_event, event):
    assert post_event(event).status_code == 400
    assert not StripeEvent.objects.exists()


# A refund and its payment at the same moment ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_refund_and_its_payment_arriving_together_never_miss_each_other(make_order):
    """Each in its own request and connection, as two webhook deliveries:
    whichever commits first, the order ends refunded and no book is made.
    (Without the payment-intent lock, the payment misses a refund kept a
    moment earlier, and the refund, finding no paid order, waits forever.)"""
    orders = [make_order(email=f"p{i}@example.com") for i in range(8)]
    for order in orders:
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def deliver(event: dict, start=start, errors=errors) -> None:
            try:
                start.wait()
                stripe_webhooks.stripe_event_process(event=event)
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        events = [
            refund_event(intent_of(order), event_id=f"evt_r_{order.pk}"),
            checkout_event(order, event_id=f"evt_p_{order.pk}"),
        ]
        threads = [threading.Thread(target=deliver, args=(event,)) for event in events]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
    statuses = list(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True))
    assert statuses == [OrderStatus.REFUNDED] * len(orders)
    # A payment that won the race made a job, which the refund then stopped.
    assert not Job.objects.exclude(status=JobStatus.CANCELLED).exists()
    assert not StripeEvent.objects.filter(awaits_payment=True).exists()
