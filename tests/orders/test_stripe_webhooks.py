"""Stripe's events beyond the payment, built from Stripe-shaped JSON
(tests/orders/stripe_events/): disputes by their status (an inquiry is not a
chargeback, a won dispute gives the book back), a failed delayed payment
told to the parent, events of the other mode ignored, and a refund that
fails after the parent was told the money was coming."""

import pytest
from django.core import mail

from generator import tasks
from generator.models import Job, JobStatus, Page
from orders import services
from orders.models import Order, OrderStatus, SentEmail, StripeEvent
from orders.outbox import outbox_send_due
from tests.orders.stripe_fixtures import dispute_event, intent_of, refund_event, session_event

pytestmark = pytest.mark.django_db

CONFIRMATION = "We're drawing Mia's coloring book"
DELIVERY = "Mia's coloring book is ready"
CHARGEBACK_ID = "du_1QdCbk2eZvKYlo2C7YwVt1Lm"
INQUIRY_ID = "du_1QdInq2eZvKYlo2CsgH6Xn4r"


def subjects() -> list[str]:
    outbox_send_due()
    return [m.subject for m in mail.outbox]


@pytest.fixture
def paid(make_order, post_event, django_capture_on_commit_callbacks):
    """An order paid through Stripe's checkout.session.completed."""

    def pay(**fields) -> Order:
        order = make_order(**fields)
        with django_capture_on_commit_callbacks(execute=True):
            assert post_event(session_event(order)).status_code == 200
        order.refresh_from_db()
        assert order.status == OrderStatus.QUEUED
        return order

    return pay


@pytest.fixture
def deliver(post_event, django_capture_on_commit_callbacks):
    """Post events, running what waits for the commit (staff alerts, tasks)."""

    def post(*events: dict) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for event in events:
                assert post_event(event).status_code == 200

    return post


# Inquiries and chargebacks ----------------------------------------------------


def test_an_inquiry_flags_the_order_for_staff_and_the_book_goes_on(paid, deliver, admin_client):
    order = paid()
    deliver(dispute_event(order, "charge.dispute.created.inquiry"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.problem.startswith(services.INQUIRY_NOTE)
    assert "no money moved" in order.problem
    assert (order.dispute_id, order.dispute_status) == (INQUIRY_ID, "warning_needs_response")
    assert Job.objects.get().status == JobStatus.QUEUED
    assert StripeEvent.objects.get(type="charge.dispute.created").outcome.startswith("inquiry: ")
    listing = admin_client.get("/admin/orders/order/", {"needs_attention": "yes"})
    assert listing.context["cl"].result_count == 1

    tasks.job_run_next()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert subjects().count(DELIVERY) == 1


@pytest.mark.parametrize("status", ["warning_needs_response", "warning_under_review"])
def test_an_inquiry_before_its_payment_is_kept_and_the_book_is_made(make_order, deliver, status):
    order = make_order()
    deliver(dispute_event(order, "charge.dispute.created.inquiry", status=status))
    assert StripeEvent.objects.get().awaits_payment
    deliver(session_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.problem.startswith(services.INQUIRY_NOTE)
    assert Job.objects.get().status == JobStatus.QUEUED
    assert subjects().count(CONFIRMATION) == 1
    assert not StripeEvent.objects.filter(awaits_payment=True).exists()


def test_a_chargeback_stops_the_book_as_before(paid, deliver):
    order = paid()
    deliver(dispute_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.dispute_stopped_book
    assert "disputed" in order.problem and "fraudulent" in order.problem
    assert Job.objects.get().status == JobStatus.CANCELLED
    assert tasks.job_run_next() == "no job waiting"


def test_an_inquiry_escalated_to_a_chargeback_stops_the_book(paid, deliver):
    order = paid()
    deliver(dispute_event(order, "charge.dispute.created.inquiry"))
    # Stripe: the same dispute, now a chargeback (charge.dispute.updated).
    escalated = dispute_event(order, "charge.dispute.created", id=INQUIRY_ID, status="needs_response")
    escalated["type"] = "charge.dispute.updated"
    deliver(escalated)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Job.objects.get().status == JobStatus.CANCELLED


def test_an_inquiry_closed_clears_its_note(paid, deliver, admin_client):
    order = paid()
    deliver(dispute_event(order, "charge.dispute.created.inquiry"))
    closed = dispute_event(order, "charge.dispute.closed", id=INQUIRY_ID, status="warning_closed")
    deliver(closed)
    order.refresh_from_db()
    assert order.problem == ""
    assert order.status == OrderStatus.QUEUED
    assert order.dispute_status == "warning_closed"
    listing = admin_client.get("/admin/orders/order/", {"needs_attention": "yes"})
    assert listing.context["cl"].result_count == 0
    # The inquiry's creation delivered again, late: older news.
    deliver(dispute_event(order, "charge.dispute.created.inquiry"))
    order.refresh_from_db()
    assert order.problem == ""
    assert order.dispute_status == "warning_closed"


# A dispute closed -------------------------------------------------------------


def test_a_won_chargeback_resumes_the_book_from_its_stored_pages(
    paid, deliver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from generator.providers import offline

    order = paid()
    real_draw = offline.OfflineProvider.draw_line_art
    drawn: list[int] = []

    def draw_until_page_7(self, brief, scene, index):
        if index == 7:
            raise RuntimeError("worker crashed")
        return real_draw(self, brief, scene, index)

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", draw_until_page_7)
    settings.GENERATION_CONCURRENCY = 2
    tasks.job_run_next()
    job = Job.objects.get()
    stored = {p.index for p in Page.objects.filter(job=job) if p.line_art}
    assert job.status == JobStatus.QUEUED and 0 < len(stored) < 12

    deliver(dispute_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert tasks.job_run_next() == "no job waiting"

    deliver(dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert "Dispute won" in order.problem and "being made again" in order.problem
    assert not order.dispute_stopped_book
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.QUEUED, 0, "")
    assert StripeEvent.objects.get(type="charge.dispute.closed").outcome == "dispute won: book resumed"

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", lambda *a: (drawn.append(a[3]), real_draw(*a))[1])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.job_run_next() == f"job {job.pk}"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert not stored & set(drawn), "a page drawn before the dispute was drawn again"
    assert subjects().count(CONFIRMATION) == 1
    assert subjects().count(DELIVERY) == 1
    # Stripe delivers the closing again, under another id: nothing more.
    deliver(dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert Job.objects.count() == 1


def test_a_lost_chargeback_keeps_the_order_closed_and_updates_the_note(paid, deliver):
    order = paid()
    deliver(dispute_event(order))
    deliver(dispute_event(order, "charge.dispute.closed", status="lost"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.problem.startswith("Dispute lost in Stripe")
    assert Job.objects.get().status == JobStatus.CANCELLED
    assert tasks.job_run_next() == "no job waiting"


def test_a_dispute_won_on_a_delivered_book_only_updates_the_note(finished_book, deliver):
    order = finished_book
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent=intent_of(order))
    deliver(dispute_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and "disputed" in order.problem
    deliver(dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.problem.startswith("Dispute won in Stripe")
    assert Job.objects.get().status == JobStatus.DONE
    assert subjects().count(DELIVERY) == 1
    assert subjects().count(CONFIRMATION) == 1


def test_a_dispute_closed_before_it_was_opened_is_not_reopened(paid, deliver):
    order = paid()
    deliver(dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED and "Dispute won" in order.problem
    deliver(dispute_event(order))  # the creation, delivered late
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert Job.objects.get().status == JobStatus.QUEUED
    assert "older news" in StripeEvent.objects.get(type="charge.dispute.created").outcome


@pytest.mark.parametrize(
    ("before_payment", "made"),
    [
        (["charge.dispute.created", "charge.dispute.closed"], True),
        (["charge.dispute.closed", "charge.dispute.created"], True),
        (["charge.dispute.closed"], True),
    ],
    ids=["opened-then-won", "won-then-opened", "won-only"],
)
def test_a_dispute_won_before_its_payment_arrived_lets_the_book_be_made(make_order, deliver, before_payment, made):
    order = make_order()
    deliver(*[dispute_event(order, name) for name in before_payment])
    assert StripeEvent.objects.filter(awaits_payment=True).count() == len(before_payment)
    deliver(session_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert order.problem.startswith("Dispute won in Stripe")
    assert Job.objects.get().status == JobStatus.QUEUED
    assert subjects().count(CONFIRMATION) == 1


def test_a_dispute_lost_before_its_payment_arrived_makes_no_book(make_order, deliver):
    order = make_order()
    deliver(dispute_event(order, "charge.dispute.closed", status="lost"))
    deliver(session_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.problem.startswith("Dispute lost in Stripe")
    assert not Job.objects.exists()
    assert CONFIRMATION not in subjects()


def test_a_chargeback_kept_then_won_before_a_late_webhook_makes_one_book(make_order, deliver):
    """Kept, paid (closed by the chargeback, no book), then won: the book is
    made once, with its one confirmation."""
    order = make_order()
    deliver(dispute_event(order), session_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.job is None
    deliver(dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert Job.objects.get().status == JobStatus.QUEUED
    assert subjects().count(CONFIRMATION) == 1


def test_a_won_dispute_does_not_resume_an_order_closed_before_its_payment(make_order, deliver):
    order = make_order()
    services.order_cancel(order_id=order.pk)
    deliver(session_event(order), dispute_event(order), dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert not Job.objects.exists()
    assert "Dispute won" in order.problem


# A delayed payment that failed -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "button"),
    [
        ("en", "Your payment for Mia's coloring book did not go through", "Order this book again"),
        ("fr", "Le paiement du livre de coloriage pour Mia n’a pas abouti", "Commander à nouveau ce livre"),
    ],
)
def test_a_failed_sepa_debit_closes_the_order_and_tells_the_parent(make_order, deliver, language, subject, button):
    order = make_order(language=language)
    failed = session_event(order, "checkout.session.async_payment_failed")
    deliver(failed, failed, {**failed, "id": "evt_again"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert not Job.objects.exists()
    assert SentEmail.objects.filter(order=order, kind="payment_failed").count() == 1
    assert subjects() == [subject]
    [message] = mail.outbox
    assert message.to == [order.email]
    again = f"http://shop.test/?again={order.token}"
    assert again in message.body
    html = message.alternatives[0][0]
    assert again in html and button in html
    assert "Mia" in message.body


def test_the_order_again_link_fills_the_form_with_the_same_brief(client, make_order, deliver):
    order = make_order(theme="rockets over the sea", child_name="Zoé", paper_size="a4", language="fr")
    deliver(session_event(order, "checkout.session.async_payment_failed"))
    form = client.get("/", {"again": order.token}).context["form"]
    assert form.initial["theme"] == "rockets over the sea"
    assert form.initial["child_name"] == "Zoé"
    assert form.initial["paper_size"] == "a4"
    assert form.initial["email"] == order.email
    # An unknown token fills nothing.
    assert "theme" not in client.get("/", {"again": "no-such-order"}).context["form"].initial


# Events of the other mode --------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "livemode", "outcome"),
    [
        ("sk_test_fake", True, "ignored: live event on a test key"),
        ("rk_test_fake", True, "ignored: live event on a test key"),
        ("sk_live_fake", False, "ignored: test event on a live key"),
        ("rk_live_fake", False, "ignored: test event on a live key"),
        (None, True, "ignored: live event on a test key"),
    ],
    ids=["live-on-sk_test", "live-on-rk_test", "test-on-sk_live", "test-on-rk_live", "live-on-demo"],
)
def test_an_event_of_the_other_mode_is_recorded_for_staff_and_does_nothing(
    make_order, deliver, admin_client, settings, key, livemode, outcome
):
    settings.STRIPE_SECRET_KEY = key
    order = make_order()
    deliver(
        session_event(order, livemode=livemode),
        session_event(order, "checkout.session.async_payment_failed", livemode=livemode),
        dispute_event(order, livemode=livemode),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_at is None
    assert order.stripe_payment_intent == ""
    assert not Job.objects.exists()
    assert subjects() == []
    assert list(StripeEvent.objects.values_list("outcome", flat=True)) == [outcome] * 3
    assert not StripeEvent.objects.filter(awaits_payment=True).exists()
    listing = admin_client.get("/admin/orders/stripeevent/", {"other_mode": "yes"})
    assert listing.context["cl"].result_count == 3
    assert outcome in listing.content.decode()


@pytest.mark.parametrize("key", ["sk_live_fake", "rk_live_fake"])
def test_a_live_event_on_a_live_key_is_handled(make_order, deliver, settings, key):
    settings.STRIPE_SECRET_KEY = key
    order = make_order()
    deliver(session_event(order, livemode=True))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert StripeEvent.objects.get().outcome == "fulfilled"


def test_an_event_whose_mode_is_not_a_boolean_is_malformed(make_order, deliver):
    order = make_order()
    event = session_event(order)
    event["livemode"] = "false"
    deliver(event)
    assert StripeEvent.objects.get().outcome.startswith("malformed: livemode")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


# A refund that fails later ---------------------------------------------------


@pytest.fixture
def refunded(paid, admin_client, fake_stripe, settings, django_capture_on_commit_callbacks):
    """A paid order refunded by staff through Stripe, the parent told."""

    def refund() -> Order:
        order = paid()
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post("/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]})
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED
        return order

    return refund


@pytest.mark.parametrize("first", ["refund.updated", "refund.failed"])
def test_a_refund_that_fails_later_is_flagged_and_staff_are_told_once(
    refunded, deliver, fake_stripe, settings, admin_client, client, first
):
    settings.ADMINS = [("Staff", "staff@example.com")]
    order = refunded()
    [made] = fake_stripe.calls("/v1/refunds")
    refund_id = fake_stripe.created[-1]["id"]
    assert "was refunded" in subjects()[-1]

    second = "refund.failed" if first == "refund.updated" else "refund.updated"
    deliver(refund_event(order, first, id=refund_id), refund_event(order, second, id=refund_id))
    order.refresh_from_db()
    # No longer claiming the money is back: closed, no refund date, flagged.
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_at is None
    assert "expired_or_canceled_card" in order.problem and refund_id in order.problem
    assert order.failed_refund_id == refund_id
    assert client.get(f"/orders/{order.token}/status.json").json()["status"] == "cancelled"
    staff = [m for m in mail.outbox if m.to == ["staff@example.com"]]
    assert len(staff) == 1
    assert "Refund failed" in staff[0].subject and "expired_or_canceled_card" in staff[0].body
    assert f"/admin/orders/order/{order.pk}/change/" in staff[0].body
    assert StripeEvent.objects.get(type=second).outcome == f"refund {refund_id} failure already recorded"
    listing = admin_client.get("/admin/orders/order/", {"needs_attention": "yes"})
    assert listing.context["cl"].result_count == 1

    # Staff refund again: a new refund, not the failed one again.
    admin_client.post("/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]})
    again = fake_stripe.calls("/v1/refunds")[-1]
    assert again.idempotency_key == f"refund-{order.token}-after-{refund_id}" != made.idempotency_key
    assert fake_stripe.created[-1]["id"] != refund_id
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_a_failed_refund_without_admins_is_flagged_in_the_admin(refunded, deliver, settings, admin_client):
    settings.ADMINS = []
    order = refunded()
    deliver(refund_event(order, id="re_test_x"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    listing = admin_client.get("/admin/orders/order/", {"needs_attention": "yes"})
    assert listing.context["cl"].result_count == 1
    assert "expired_or_canceled_card" in listing.content.decode()


def test_a_failed_partial_refund_flags_a_delivered_order_and_keeps_it(finished_book, deliver, settings):
    settings.ADMINS = [("Staff", "staff@example.com")]
    order = finished_book
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent=intent_of(order))
    deliver(refund_event(order, id="re_test_part", amount=300))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert "re_test_part of 300 usd" in order.problem
    assert [m.to for m in mail.outbox] == [["staff@example.com"]]


def test_a_refund_update_that_is_not_a_failure_changes_nothing(refunded, deliver):
    order = refunded()
    deliver(refund_event(order, "refund.updated", id="re_test_ok", status="succeeded", failure_reason=None))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_at is not None
    assert StripeEvent.objects.get(type="refund.updated").outcome == "refund re_test_ok is succeeded; nothing to do"


def test_the_failed_payment_email_escapes_what_the_parent_typed(make_order, deliver):
    order = make_order(child_name='<img src=x onerror="alert(1)">', theme="<script>alert(1)</script> dragons")
    deliver(session_event(order, "checkout.session.async_payment_failed"))
    outbox_send_due()
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;img src=x" in html
    assert "\n" not in message.subject


# A session id already stored on another order ---------------------------------------


def test_a_session_already_stored_on_another_order_is_recorded_and_answered_200(paid, make_order, deliver):
    """Stripe retries a delivery that fails for days: a completed session
    whose id another order already holds is recorded and flagged for
    staff, not fulfilled (a session pays for one order), and answered 200."""
    first = paid()
    second = make_order()
    event = session_event(second, id=first.stripe_session_id, payment_intent="pi_test_other")
    deliver(event)
    deliver(event)  # the retry: still 200, handled once
    second.refresh_from_db()
    assert second.status == OrderStatus.PENDING_PAYMENT
    assert second.paid_at is None and second.job is None
    assert first.number in second.problem and first.stripe_session_id in second.problem
    record = StripeEvent.objects.get(event_id=event["id"])
    assert record.order == second and "not fulfilled" in record.outcome
    first.refresh_from_db()
    assert first.status == OrderStatus.QUEUED


def test_a_late_charge_refunded_does_not_undo_a_refund_failure(refunded, deliver):
    """A charge.refunded from before the refund failed, delivered after its
    failure (another event id): the order stays closed and keeps its note."""
    order = refunded()
    deliver(refund_event(order, id="re_test_late"))
    order.refresh_from_db()
    problem = order.problem
    assert order.status == OrderStatus.CANCELLED and "re_test_late" in problem
    charge = {"object": "charge", "payment_intent": intent_of(order), "refunded": True,
              "amount_refunded": order.amount_cents, "currency": order.currency}  # fmt: skip
    deliver({"id": "evt_late_refunded", "object": "event", "type": "charge.refunded", "data": {"object": charge}})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_at is None and order.problem == problem


def test_a_dispute_won_after_the_parent_deleted_the_data_makes_no_book(paid, deliver, client):
    order = paid()
    deliver(dispute_event(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    from orders.privacy import order_personal_data_delete

    order_personal_data_delete(order)
    deliver(dispute_event(order, "charge.dispute.closed"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "data was deleted" in order.problem
    job = Job.objects.get()
    assert job.status != JobStatus.QUEUED and job.theme == ""
