"""Stripe webhook: verified before anything is written, idempotent by event
id and by order, and strict about what was paid."""

import json

import pytest
from django.core import mail

from generator.models import Job
from orders.models import Order, OrderStatus, StripeEvent
from orders.outbox import outbox_send_due
from tests.conftest import checkout_event, stripe_signature

pytestmark = pytest.mark.django_db


def confirmations():
    outbox_send_due()  # what the worker's outbox thread does
    return [m for m in mail.outbox if m.subject == "We're drawing Mia's coloring book"]


def test_completed_three_times_and_async_succeeded_make_one_job_and_one_email(
    make_order, post_event, django_capture_on_commit_callbacks
):
    order = make_order()
    completed = checkout_event(order, event_id="evt_completed")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert post_event(completed).status_code == 200
        # Stripe may also send the same session under another event id.
        assert post_event(checkout_event(order, event_id="evt_completed_again")).status_code == 200
        async_ok = checkout_event(order, event_id="evt_async", type="checkout.session.async_payment_succeeded")
        assert post_event(async_ok).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.stripe_payment_intent == f"pi_test_{order.token[:12]}"
    assert Job.objects.filter(order=order).count() == 1
    assert len(confirmations()) == 1
    assert StripeEvent.objects.count() == 3
    assert StripeEvent.objects.get(event_id="evt_completed").outcome == "fulfilled"
    assert StripeEvent.objects.get(event_id="evt_async").outcome == "already paid; nothing to do"


def test_async_success_arriving_before_completed_fulfills_once(
    make_order, post_event, django_capture_on_commit_callbacks
):
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        post_event(checkout_event(order, event_id="evt_2", type="checkout.session.async_payment_succeeded"))
        post_event(checkout_event(order, event_id="evt_1", payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert Job.objects.count() == 1
    assert len(confirmations()) == 1


def test_completed_but_unpaid_waits_for_async_payment(make_order, post_event, django_capture_on_commit_callbacks):
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        post_event(checkout_event(order, event_id="evt_1", payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not Job.objects.exists()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        post_event(checkout_event(order, event_id="evt_2", type="checkout.session.async_payment_succeeded"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert len(confirmations()) == 1


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1,v1=deadbeef",
        stripe_signature(b"something else"),
        "garbage",
    ],
    ids=["missing", "forged", "for-another-body", "malformed"],
)
def test_bad_signature_is_refused_and_writes_nothing(client, make_order, signature):
    order = make_order()
    payload = json.dumps(checkout_event(order, event_id="evt_forged")).encode()
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    response = client.post("/api/webhook", data=payload, content_type="application/json", **headers)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert not Job.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_signature_with_another_secret_or_too_old_is_refused(client, make_order):
    order = make_order()
    payload = json.dumps(checkout_event(order, event_id="evt_x")).encode()
    for signature in (stripe_signature(payload, secret="whsec_other"), stripe_signature(payload, timestamp=1000)):
        response = client.post(
            "/api/webhook", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_no_webhook_secret_configured_refuses_everything(post_event, make_order, settings):
    settings.STRIPE_WEBHOOK_SECRET = None
    assert post_event(checkout_event(make_order(), event_id="evt_1")).status_code == 400
    assert not StripeEvent.objects.exists()


def test_signed_but_malformed_body_is_refused(client):
    deep = b'{"id": "evt_1", "type": "charge.refunded", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    surrogate = b'{"id": "evt_1", "type": "charge.refunded", "data": {"object": {"payment_intent": "\\ud800"}}}'
    for payload in (b"not json", b"[1, 2]", b'{"no": "id"}', b"\xff\xfe", deep, surrogate):
        response = client.post(
            "/api/webhook",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_signature(payload),
        )
        assert response.status_code == 400, payload
    assert not StripeEvent.objects.exists()


def test_oversize_body_is_refused(client):
    payload = json.dumps({"id": "evt_big", "type": "checkout.session.completed", "pad": "x" * 300_000}).encode()
    response = client.post(
        "/api/webhook", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=stripe_signature(payload)
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_unknown_event_types_get_200_and_change_nothing(post_event, make_order):
    order = make_order()
    event = checkout_event(order, event_id="evt_other", type="customer.created")
    assert post_event(event).status_code == 200
    assert StripeEvent.objects.get().outcome.startswith("ignored")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("amount", "currency"), [(500, "usd"), (999, "eur"), (99900, "usd")], ids=["less", "currency", "more"]
)
def test_wrong_amount_or_currency_is_not_fulfilled_and_staff_see_why(post_event, make_order, amount, currency):
    order = make_order()
    event = checkout_event(order, event_id="evt_wrong", amount_total=amount, currency=currency)
    assert post_event(event).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.paid_at is None
    assert f"{amount} {currency}" in order.problem
    assert "not fulfilled" in order.problem
    assert not Job.objects.exists()
    assert mail.outbox == []
    assert StripeEvent.objects.get().outcome == order.problem


def test_event_for_an_unknown_order_is_recorded(post_event, make_order):
    order = make_order()
    event = checkout_event(order, event_id="evt_ghost", client_reference_id="no-such-token")
    assert post_event(event).status_code == 200
    assert "no order" in StripeEvent.objects.get().outcome
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT


def test_expired_checkout_closes_the_unpaid_order(post_event, make_order):
    order = make_order()
    post_event(checkout_event(order, event_id="evt_exp", type="checkout.session.expired", payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED


def test_a_failure_while_handling_rolls_back_the_record_so_stripe_retries(
    post_event, make_order, monkeypatch, django_capture_on_commit_callbacks
):
    from generator import services as generator_services

    order = make_order()
    event = checkout_event(order, event_id="evt_retry")

    def boom(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(generator_services, "job_create", boom)
    with pytest.raises(RuntimeError):
        post_event(event)
    assert not StripeEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(event).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert Job.objects.count() == 1


def test_a_payment_for_a_cancelled_order_is_recorded_for_staff_not_lost(post_event, make_order):
    order = make_order()
    post_event(checkout_event(order, event_id="evt_fail", type="checkout.session.async_payment_failed"))
    response = post_event(checkout_event(order, event_id="evt_late", type="checkout.session.async_payment_succeeded"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "not fulfilled" in order.problem
    assert StripeEvent.objects.get(event_id="evt_late").outcome == order.problem


def test_a_late_payment_for_an_expired_checkout_is_fulfilled(
    post_event, make_order, django_capture_on_commit_callbacks
):
    order = make_order()
    post_event(checkout_event(order, event_id="evt_exp", type="checkout.session.expired", payment_status="unpaid"))
    with django_capture_on_commit_callbacks(execute=True):
        post_event(checkout_event(order, event_id="evt_ok", type="checkout.session.async_payment_succeeded"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert Job.objects.count() == 1
