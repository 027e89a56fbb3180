"""Back from Stripe Checkout: the status page, Checkout's success_url with
the session's id, fulfils a paid order the webhook has not brought yet,
through the same order_fulfill, so whichever comes first (or both at once)
makes one job and writes one confirmation (Stripe's fulfillment guide)."""

import html
import re
import threading

import pytest
from django.core import mail
from django.db import connection

from generator.models import Job, JobStatus
from orders import services, stripe_webhooks
from orders.models import Order, OrderStatus, SentEmail, StripeEvent
from orders.outbox import outbox_send_due
from tests.conftest import ORDER_FORM
from tests.orders.stripe_fixtures import session_event

pytestmark = pytest.mark.django_db

CONFIRMATION = "We're drawing Mia's coloring book"
SESSIONS = "/v1/checkout/sessions"


def confirmations() -> int:
    outbox_send_due()
    return [m.subject for m in mail.outbox].count(CONFIRMATION)


def retrievals(fake_stripe) -> list:
    return [r for r in fake_stripe.requests if r.method == "GET" and r.path.startswith(SESSIONS + "/")]


@pytest.fixture
def checkout(client, fake_stripe):
    """An order placed on the storefront, its Stripe session made; returns
    the order and its session id."""

    def place(**fields) -> tuple[Order, str]:
        assert client.post("/order/", {**ORDER_FORM, **fields}).status_code == 303
        order = Order.objects.latest("pk")
        return order, order.stripe_session_id

    return place


def back_from_stripe(client, order: Order, session_id: str):
    return client.get(f"/orders/{order.token}/", {"session_id": session_id})


def state_text(page) -> str:
    """What the status page says about the order, as the parent reads it."""
    match = re.search(r'id="state-text"[^>]*>(.*?)</p>', page.content.decode(), re.DOTALL)
    assert match, "the status page has no state text"
    return html.unescape(match.group(1)).strip()


WAITING = "We're waiting for your payment to be confirmed."


def test_the_success_url_is_the_status_page_with_stripes_session_id_template(checkout, fake_stripe):
    order, _ = checkout()
    [call] = fake_stripe.calls(SESSIONS)
    assert call.params["success_url"] == f"http://shop.test/orders/{order.token}/?session_id={{CHECKOUT_SESSION_ID}}"


def test_a_paid_parent_back_before_the_webhook_sees_their_book_being_made(
    client, checkout, fake_stripe, post_event, django_capture_on_commit_callbacks
):
    order, session_id = checkout()
    fake_stripe.session_pay(session_id, payment_intent="pi_test_return")
    with django_capture_on_commit_callbacks(execute=True):
        page = back_from_stripe(client, order, session_id)
    assert page.status_code == 200
    assert state_text(page) == "Paid, thank you! Your book is in line (number 1)."
    [retrieved] = retrievals(fake_stripe)
    assert retrieved.path == f"{SESSIONS}/{session_id}"
    assert retrieved.authorization == "Bearer sk_test_fake"
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.stripe_payment_intent == "pi_test_return"
    assert Job.objects.get(order=order).status == JobStatus.QUEUED
    assert client.get(f"/orders/{order.token}/status.json").json()["status"] == "queued"

    # The webhook arrives afterwards, and the parent reloads the page.
    with django_capture_on_commit_callbacks(execute=True):
        post_event(session_event(order, id=session_id, payment_intent="pi_test_return"))
        back_from_stripe(client, order, session_id)
    assert StripeEvent.objects.get().outcome == "already paid; nothing to do"
    assert len(retrievals(fake_stripe)) == 1, "a paid order's page asked Stripe again"
    assert Job.objects.count() == 1
    assert confirmations() == 1


def test_the_webhook_first_then_the_return_makes_one_job_and_asks_stripe_nothing(
    client, checkout, fake_stripe, post_event, django_capture_on_commit_callbacks
):
    order, session_id = checkout()
    fake_stripe.session_pay(session_id)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(session_event(order, id=session_id))
        page = back_from_stripe(client, order, session_id)
    assert state_text(page) == "Paid, thank you! Your book is in line (number 1)."
    assert retrievals(fake_stripe) == []
    assert Job.objects.count() == 1
    assert confirmations() == 1


def test_a_session_that_is_not_the_orders_changes_nothing(client, checkout, fake_stripe):
    order, _ = checkout()
    other, other_session = checkout(email="other@example.com")
    fake_stripe.session_pay(other_session)
    for session_id in (other_session, "cs_test_forged", "{CHECKOUT_SESSION_ID}", "x" * 5000):
        assert state_text(back_from_stripe(client, order, session_id)) == WAITING
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_at is None
    assert retrievals(fake_stripe) == []
    assert not Job.objects.exists()


@pytest.mark.parametrize("payment_status", ["unpaid", "no_payment_required"])
def test_a_session_not_paid_yet_changes_nothing(client, checkout, fake_stripe, payment_status):
    """A SEPA debit is `unpaid` until it clears: the webhook tells then."""
    order, session_id = checkout()
    fake_stripe.session_pay(session_id, payment_status=payment_status)
    page = back_from_stripe(client, order, session_id)
    assert state_text(page) == WAITING
    assert len(retrievals(fake_stripe)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not Job.objects.exists()
    assert not SentEmail.objects.exists()


@pytest.mark.parametrize(
    "failure",
    [
        (500, "api_error", "Something went wrong on Stripe's end."),
        (401, "invalid_request_error", "Invalid API Key provided: sk_test_****fake"),
        (429, "rate_limit_error", "Too many requests hit the API too quickly."),
    ],
    ids=["500", "401", "429"],
)
def test_stripe_failing_on_the_return_shows_the_page_calmly(client, checkout, fake_stripe, failure):
    order, session_id = checkout()
    fake_stripe.session_pay(session_id)
    fake_stripe.failures = [failure] * 3  # enough for the SDK's retries, were there any
    page = back_from_stripe(client, order, session_id)
    assert page.status_code == 200
    # Asked once: the parent's page (and a web thread) never waits on retries.
    assert len(retrievals(fake_stripe)) == 1
    assert state_text(page) == WAITING
    assert failure[2] not in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    # Stripe answers again: the next visit fulfils.
    fake_stripe.failures = []
    back_from_stripe(client, order, session_id)
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED


def test_a_session_stripe_does_not_know_changes_nothing(client, checkout, fake_stripe):
    order, session_id = checkout()
    fake_stripe.sessions.pop(session_id)
    assert back_from_stripe(client, order, session_id).status_code == 200
    [retrieved] = retrievals(fake_stripe)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_the_demo_checkout_is_unaffected_by_a_session_id(client, make_order):
    order = make_order()
    page = client.get(f"/orders/{order.token}/", {"session_id": "cs_test_anything"})
    assert page.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert client.post(f"/orders/{order.token}/demo-checkout/").status_code == 303
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_the_return_and_the_webhook_at_once_make_one_job_and_one_confirmation(checkout, fake_stripe):
    """Each in its own thread and connection, as two requests: whichever
    commits first, one job and one confirmation per order."""
    orders = []
    for i in range(6):
        order, session_id = checkout(email=f"p{i}@example.com")
        fake_stripe.session_pay(session_id, payment_intent=f"pi_test_race_{i}")
        orders.append((order, session_id))
    for i, (order, session_id) in enumerate(orders):
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(work, start=start, errors=errors) -> None:
            try:
                start.wait()
                work()
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        event = session_event(order, id=session_id, payment_intent=f"pi_test_race_{i}")
        work = [
            lambda event=event: stripe_webhooks.stripe_event_process(event=event),
            lambda order=order, session_id=session_id: services.order_checkout_return(
                token=order.token, session_id=session_id
            ),
        ]
        threads = [threading.Thread(target=run, args=(w,)) for w in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
    for order, _ in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.QUEUED
        assert Job.objects.filter(order=order).count() == 1
        assert SentEmail.objects.filter(order=order, kind="confirmation").count() == 1
    assert Job.objects.count() == len(orders)
