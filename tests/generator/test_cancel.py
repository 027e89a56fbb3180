"""A refund or cancel stops a running book within a second: no new image call
is made after it, and the calls already in flight are the only ones paid;
the order is closed, no delivery is written, and a refund tells the
customer once.

These run the job in a thread of this process on a committed (transactional)
database, so the job's watcher reads what the test writes, as in a worker."""

import threading
import time

import pytest
from django.core import mail
from django.db import close_old_connections, connection

from generator import services, tasks
from generator.models import Job, JobStatus
from generator.providers import Brief, CallsStopped, Usage, provider_get
from orders import services as order_services
from orders.models import EmailKind, OrderStatus, SentEmail
from orders.outbox import outbox_send_due
from tests.conftest import checkout_event, wait_until
from tests.fakes.gemini import LINE_ART

pytestmark = pytest.mark.django_db(transaction=True)

BRIEF = Brief(theme="dinosaurs", child_name="", age_group="kids", seed="seed", size=256)


class PaidCalls:
    """When each counted (paid) provider call started."""

    def __init__(self, monkeypatch) -> None:
        self.started: list[float] = []
        real = Usage.count

        def count(usage, *, retry=False):
            real(usage, retry=retry)
            self.started.append(time.monotonic())

        monkeypatch.setattr(Usage, "count", count)

    def after(self, moment: float) -> int:
        return sum(started > moment for started in self.started)


class JobThread:
    """tasks.job_run_next() in a thread, as a worker process runs it."""

    def __init__(self) -> None:
        self.ended_at: float | None = None
        self.result: str | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = tasks.job_run_next()
        finally:
            self.ended_at = time.monotonic()
            connection.close()

    def start(self) -> "JobThread":
        self._thread.start()
        return self

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the job did not stop"


def _images_done(count: int):
    def check():
        close_old_connections()
        return Job.objects.filter(images_done__gte=count).exists()

    return check


def _stop_settings(settings, *, latency: float, concurrency: int) -> None:
    settings.OFFLINE_IMAGE_LATENCY = latency
    settings.GENERATION_CONCURRENCY = concurrency
    # As in production: the heartbeat is far apart, the watcher is not.
    settings.JOB_HEARTBEAT_SECONDS = 10
    settings.JOB_WATCH_SECONDS = 0.5


def test_a_refund_mid_book_stops_new_image_calls_within_a_second(paid_order, settings, monkeypatch):
    latency, concurrency = 1.0, 3
    _stop_settings(settings, latency=latency, concurrency=concurrency)
    order = paid_order()
    calls = PaidCalls(monkeypatch)
    run = JobThread().start()
    wait_until(_images_done(3), timeout=20, interval=0.05, what="a few images")

    cancelled_at = time.monotonic()
    assert services.job_cancel(job_id=order.job_id, reason="refunded")
    run.join(timeout=latency + 3)

    # New calls may start only until the watcher sees the cancel (0.5 s),
    # never after; with calls taking a second, that is at most one per slot.
    assert calls.after(cancelled_at + 0.6) == 0
    assert calls.after(cancelled_at) <= concurrency
    # The job stopped within a second plus the call in flight.
    assert run.ended_at - cancelled_at < 1.0 + latency + 0.5
    job = Job.objects.get()
    assert job.status == JobStatus.CANCELLED
    # Every paid call is on the job's bill, the ones in flight included.
    assert job.api_calls == len(calls.started)
    assert job.api_calls < 24
    order.refresh_from_db()
    assert order.status != OrderStatus.DELIVERED


def test_a_refund_stops_a_gemini_book_and_its_calls_in_flight_are_the_last(paid_order, fake_gemini, settings):
    _stop_settings(settings, latency=0, concurrency=3)
    fake_gemini.latency = 0.7
    order = paid_order()
    run = JobThread().start()
    wait_until(_images_done(3), timeout=30, interval=0.05, what="a few images")

    in_flight_or_done = len(fake_gemini.calls())
    cancelled_at = time.monotonic()
    services.job_cancel(job_id=order.job_id, reason="refunded")
    run.join(timeout=fake_gemini.latency + 3)

    late = [seen for seen in fake_gemini.calls() if seen.at > cancelled_at + 0.6]
    assert late == []
    assert len(fake_gemini.calls()) <= in_flight_or_done + 3
    assert run.ended_at - cancelled_at < 1.0 + fake_gemini.latency + 0.5
    assert Job.objects.get().status == JobStatus.CANCELLED


def test_a_stopped_provider_makes_no_retry_and_wakes_from_its_backoff(fake_gemini, settings):
    """A retry is a new paid call: none after the stop, even mid-backoff."""
    settings.GEMINI_BACKOFF_BASE = settings.GEMINI_BACKOFF_MAX = 30.0
    settings.GEMINI_RETRY_BUDGET = 120.0
    fake_gemini.fail_randomly(1.0, kinds=("503",))
    stop = threading.Event()
    provider = provider_get("gemini", usage=Usage(stop=stop))
    raised: list[BaseException] = []

    def draw() -> None:
        try:
            provider.draw_line_art(BRIEF, "A dinosaur", 0)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    wait_until(lambda: fake_gemini.calls(LINE_ART), timeout=5, interval=0.02, what="the first call")
    time.sleep(0.2)  # now sleeping in its backoff
    stopped_at = time.monotonic()
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert time.monotonic() - stopped_at < 1.0
    assert len(raised) == 1 and isinstance(raised[0], CallsStopped)
    assert len(fake_gemini.calls()) == 1
    assert provider.usage.calls == 1


def _emails_written(order) -> list[str]:
    return sorted(SentEmail.objects.filter(order=order).values_list("kind", flat=True))


def test_a_staff_refund_of_a_book_being_made_stops_it_and_tells_the_customer_once(paid_order, settings):
    """order_refund on the demo checkout (no Stripe payment to refund)."""
    _stop_settings(settings, latency=0.3, concurrency=2)
    order = paid_order()
    run = JobThread().start()
    wait_until(_images_done(2), timeout=20, interval=0.05, what="the book under way")
    assert Job.objects.get().status == JobStatus.RUNNING

    assert order_services.order_refund(order_id=order.pk)[1] == "refunded"
    assert order_services.order_refund(order_id=order.pk)[1] == "already refunded"
    run.join(timeout=5)

    assert run.result == f"job {order.job.pk}"
    job = Job.objects.get()
    assert job.status == JobStatus.CANCELLED
    assert job.images_done < 24 and not job.pdf
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_at is not None
    assert _emails_written(order) == [EmailKind.CONFIRMATION, EmailKind.REFUND]
    assert outbox_send_due() == 2
    assert outbox_send_due() == 0
    assert sorted(m.subject for m in mail.outbox) == [
        "We're drawing Mia's coloring book",
        "Your order of Mia's coloring book was refunded",
    ]
    # Nothing is left for a worker to do.
    assert tasks.job_run_next() == "no job waiting"


def test_a_dispute_while_the_book_is_made_cancels_it_without_a_delivery(make_order, post_event, settings):
    """A dispute is how a paid order gets cancelled (a staff cancel is for
    unpaid orders): the book stops, the customer is not written to."""
    _stop_settings(settings, latency=0.3, concurrency=2)
    order = make_order()
    assert post_event(checkout_event(order, event_id="evt_paid")).status_code == 200
    run = JobThread().start()
    wait_until(_images_done(2), timeout=20, interval=0.05, what="the book under way")

    with pytest.raises(order_services.OrderError):
        order_services.order_cancel(order_id=order.pk)
    dispute = {
        "id": "dp_test_1",
        "object": "dispute",
        "charge": "ch_test_1",
        "payment_intent": f"pi_test_{order.token[:12]}",
        "amount": 999,
        "currency": "usd",
        "reason": "fraudulent",
    }
    event = {"id": "evt_dispute", "object": "event", "type": "charge.dispute.created", "data": {"object": dispute}}
    assert post_event(event).status_code == 200
    run.join(timeout=5)

    job = Job.objects.get()
    assert job.status == JobStatus.CANCELLED
    assert job.images_done < 24 and not job.pdf
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "disputed" in order.problem
    assert _emails_written(order) == [EmailKind.CONFIRMATION]
    outbox_send_due()
    assert [m.subject for m in mail.outbox] == ["We're drawing Mia's coloring book"]
