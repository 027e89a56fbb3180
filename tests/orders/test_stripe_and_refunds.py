"""Stripe Checkout and refunds through the real SDK against a local fake
Stripe, and the payment events beyond the first one."""

import pytest
from django.core import mail

from generator import tasks
from generator.models import Job, JobStatus
from orders import services
from orders.models import Order, OrderStatus, SentEmail, StripeEvent
from orders.outbox import outbox_send_due
from tests.conftest import ORDER_FORM as FORM
from tests.conftest import checkout_event

pytestmark = pytest.mark.django_db

REFUND_SUBJECT = "Your order of Mia's coloring book was refunded"


def refund_emails():
    outbox_send_due()  # what the worker's outbox thread does
    return [m for m in mail.outbox if m.subject == REFUND_SUBJECT]


def test_order_redirects_to_a_stripe_checkout_session(client, fake_stripe):
    response = client.post("/order/", FORM)
    order = Order.objects.get()
    [call] = fake_stripe.calls("/v1/checkout/sessions")
    assert response.status_code == 303
    assert response["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    assert call.params["client_reference_id"] == order.token
    assert call.params["line_items[0][price_data][unit_amount]"] == "999"
    assert call.params["line_items[0][price_data][currency]"] == "usd"
    assert call.params["success_url"].startswith(f"http://shop.test/orders/{order.token}/")
    assert call.params["mode"] == "payment"
    assert call.idempotency_key == f"checkout-{order.token}"
    assert call.authorization == "Bearer sk_test_fake"
    assert order.stripe_session_id == response["Location"].rsplit("/", 1)[1]
    assert call.params["locale"] == "en"
    assert call.params["line_items[0][price_data][product_data][name]"] == "Personalized coloring book (PDF, 12 scenes)"


def test_a_french_order_pays_on_stripes_french_page(client, fake_stripe):
    client.post("/order/", {**FORM, "language": "fr"})
    [call] = fake_stripe.calls("/v1/checkout/sessions")
    assert call.params["locale"] == "fr"
    assert (
        call.params["line_items[0][price_data][product_data][name]"]
        == "Livre de coloriage personnalisé (PDF, 12 scènes)"
    )


def test_stripe_refusing_the_checkout_gets_a_calm_answer(client, fake_stripe):
    fake_stripe.failures = [(400, "invalid_request_error", "No such price")] * 3
    response = client.post("/order/", FORM)
    assert response.status_code == 503
    assert "could not reach the payment page" in response.content.decode()
    assert "No such price" not in response.content.decode()


def test_staff_refund_refunds_through_stripe_once_and_stops_the_job(
    admin_client, fake_stripe, paid_order, post_event, django_capture_on_commit_callbacks
):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_123")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            response = admin_client.post(
                "/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]}, follow=True
            )
            assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_at is not None
    [refund] = fake_stripe.calls("/v1/refunds")
    assert refund.params == {"payment_intent": "pi_test_123"}
    assert refund.idempotency_key == f"refund-{order.token}"
    assert Job.objects.get().status == JobStatus.CANCELLED
    assert len(refund_emails()) == 1
    # The worker finds nothing to do for a refunded order.
    assert tasks.job_run_next() == "no job waiting"

    # Stripe then tells us about the refund it made: nothing more happens.
    charge = {"object": "charge", "payment_intent": "pi_test_123", "refunded": True, "amount_refunded": 999}
    with django_capture_on_commit_callbacks(execute=True):
        post_event({"id": "evt_refunded", "type": "charge.refunded", "data": {"object": charge}})
    assert StripeEvent.objects.get(event_id="evt_refunded").outcome == "already refunded"
    assert len(refund_emails()) == 1


def test_refund_refused_by_stripe_leaves_the_order_as_it_was(admin_client, fake_stripe, paid_order):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_123")
    fake_stripe.failures = [(400, "invalid_request_error", "Charge already refunded")]
    response = admin_client.post(
        "/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]}, follow=True
    )
    assert "Charge already refunded" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert Job.objects.get().status == JobStatus.QUEUED
    assert refund_emails() == []


def test_unpaid_order_cannot_be_refunded_but_can_be_cancelled(make_order):
    order = make_order()
    with pytest.raises(services.OrderError):
        services.order_refund(order_id=order.pk)
    services.order_cancel(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert services.order_cancel(order_id=order.pk)[1] == "already cancelled"


@pytest.mark.parametrize("delivered", [False, True], ids=["queued", "delivered"])
def test_charge_refunded_in_stripe_marks_the_order_refunded(
    request, paid_order, post_event, django_capture_on_commit_callbacks, delivered
):
    order = request.getfixturevalue("finished_book") if delivered else paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_9")
    event = {
        "id": "evt_ch",
        "type": "charge.refunded",
        "data": {"object": {"object": "charge", "payment_intent": "pi_test_9", "refunded": True}},
    }
    with django_capture_on_commit_callbacks(execute=True):
        post_event(event)
        post_event(event)
        post_event({**event, "id": "evt_ch_2"})
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    job = Job.objects.get()
    assert job.status == (JobStatus.DONE if delivered else JobStatus.CANCELLED)
    assert len(refund_emails()) == 1
    assert SentEmail.objects.filter(order=order, kind="refund").count() == 1


def test_partial_refund_is_noted_for_staff(paid_order, post_event):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_9")
    charge = {"payment_intent": "pi_test_9", "refunded": False, "amount_refunded": 300, "currency": "usd"}
    post_event({"id": "evt_part", "type": "charge.refunded", "data": {"object": charge}})
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.problem == "Partly refunded: 300 usd."


def test_async_payment_failed_cancels_the_unpaid_order(make_order, post_event):
    order = make_order()
    event = checkout_event(order, event_id="evt_fail", type="checkout.session.async_payment_failed")
    post_event(event)
    post_event(event)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.problem == "The payment failed."
    assert not Job.objects.exists()


def test_expiry_after_payment_changes_nothing(paid_order, post_event):
    order = paid_order()
    post_event(checkout_event(order, event_id="evt_exp", type="checkout.session.expired"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert "left as it is" in StripeEvent.objects.get().outcome
