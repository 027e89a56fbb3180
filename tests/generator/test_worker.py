"""A real django-q2 worker process on the test database: five orders paid
in the same second (the case that once ran out of memory and lost both
books), a stopped worker, a worker killed with SIGKILL in the middle of
a book, and Gemini answering a page without an image or blocking a scene."""

import signal
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import close_old_connections, connection

from generator.models import Job, JobStatus, Page
from orders.models import Order, OrderStatus
from tests.conftest import ORDER_FORM, checkout_event, wait_until
from tests.fakes.gemini import COLORING, LINE_ART

pytestmark = pytest.mark.worker

DELIVERY_SUBJECT = "Subject: Mia's coloring book is ready"
CONFIRMATION_SUBJECT = "Subject: We're drawing Mia's coloring book"


def deliveries_sent(w, count: int) -> None:
    """The worker's outbox sends each delivery within a second or two of the
    book; then exactly `count` are in the mailbox, and stay so for five of
    the outbox's polls."""
    wait_until(lambda: sum(DELIVERY_SUBJECT in t for t in w.emails()) >= count, timeout=15, what="delivery emails")
    time.sleep(5 * django_settings.OUTBOX_POLL_SECONDS)
    assert sum(DELIVERY_SUBJECT in text for text in w.emails()) == count


def all_delivered(orders):
    def check():
        close_old_connections()
        return Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.DELIVERED).count() == len(orders)

    return check


class RunningWatcher:
    """Samples how many jobs are running at once while a test waits."""

    def __init__(self) -> None:
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(0.05):
                self.most = max(self.most, Job.objects.filter(status=JobStatus.RUNNING).count())
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_five_orders_paid_at_once_are_delivered_in_order_one_at_a_time(worker, make_order, post_event):
    w = worker(BOOK_WORKERS="1").start()
    orders = [make_order(email=f"parent{i}@example.com") for i in range(5)]
    with RunningWatcher() as watcher:
        for i, order in enumerate(orders):
            assert post_event(checkout_event(order, event_id=f"evt_{i}")).status_code == 200
        # No email on the requests: the worker's outbox sends every
        # confirmation within seconds, books or no books running.
        assert mail.outbox == []
        wait_until(lambda: sum(CONFIRMATION_SUBJECT in t for t in w.emails()) == 5, timeout=10, what="confirmations")
        wait_until(all_delivered(orders), timeout=120, what="five books delivered")
        deliveries_sent(w, 5)
    jobs = sorted(Job.objects.select_related("order"), key=lambda job: job.started_at)
    assert [job.order.pk for job in jobs] == [order.pk for order in orders]
    for earlier, later in zip(jobs, jobs[1:], strict=False):
        assert earlier.finished_at <= later.started_at
    assert watcher.most == 1
    deliveries = [text for text in w.emails() if DELIVERY_SUBJECT in text]
    assert len(deliveries) == 5
    assert sorted(text.split("To: ")[1].split("\n")[0] for text in deliveries) == [o.email for o in orders]


def test_orders_paid_while_the_worker_is_stopped_are_delivered_when_it_starts(worker, make_order, post_event):
    orders = [make_order(email=f"parent{i}@example.com") for i in range(3)]
    for i, order in enumerate(orders):
        post_event(checkout_event(order, event_id=f"evt_{i}"))
    time.sleep(1)
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.QUEUED}

    # Slow enough (about 4 s a book) that the restart lands mid-queue. The
    # kill may cut the first delivery short mid-send: the next worker sends
    # it again once its lease is over (seconds here, minutes in production).
    w = worker(OFFLINE_IMAGE_LATENCY="0.3", GENERATION_CONCURRENCY="2", OUTBOX_LEASE_SECONDS="3").start()
    wait_until(lambda: Order.objects.filter(status=OrderStatus.DELIVERED).exists(), what="the first book")
    # A deploy replaces the worker mid-queue without waiting for it (a
    # graceful SIGTERM would let django-q2 finish the tasks it holds).
    w.kill()
    close_old_connections()
    assert Order.objects.exclude(status=OrderStatus.DELIVERED).exists()
    w.env["OFFLINE_IMAGE_LATENCY"] = "0"  # the restart landed mid-queue: the rest may go fast
    w.start()
    wait_until(all_delivered(orders), timeout=120, what="every book after the restart")
    deliveries_sent(w, 3)


def test_worker_killed_mid_book_resumes_and_delivers_once_without_redrawing(worker, paid_order, settings):
    env = {"OFFLINE_IMAGE_LATENCY": "0.25", "GENERATION_CONCURRENCY": "2"}
    order = paid_order()
    w = worker(**env).start()

    def some_pages_stored():
        close_old_connections()
        return Job.objects.filter(images_done__gte=8).exists()

    wait_until(some_pages_stored, what="a third of the book")
    w.kill(signal.SIGKILL)
    close_old_connections()
    job = Job.objects.get()
    assert job.status == JobStatus.RUNNING  # as the dead worker left it
    stored = {
        (page.index, kind): (getattr(page, kind).name, getattr(page, kind).path and _mtime(getattr(page, kind).path))
        for page in Page.objects.all()
        for kind in ("line_art", "colored")
        if getattr(page, kind)
    }
    assert 8 <= len(stored) < 24

    w.env["OFFLINE_IMAGE_LATENCY"] = "0"  # the next worker only has to finish the book
    w.start()
    wait_until(all_delivered([order]), timeout=120, what="the book after the kill")
    job.refresh_from_db()
    assert job.attempts == 2
    for page in Page.objects.all():
        for kind in ("line_art", "colored"):
            if (page.index, kind) in stored:
                name, mtime = stored[(page.index, kind)]
                assert getattr(page, kind).name == name
                assert _mtime(getattr(page, kind).path) == mtime
    deliveries_sent(w, 1)
    # Calls in flight when the worker died are the only ones paid twice.
    assert 24 <= job.api_calls <= 24 + int(env["GENERATION_CONCURRENCY"])


def _mtime(path: str) -> float:
    import os

    return os.stat(path).st_mtime_ns


def _redis_url() -> str | None:
    """A Redis for the broker test: TEST_REDIS_URL, or the local one. CI sets
    REQUIRE_REDIS=1 so that a missing Redis fails instead of skipping."""
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        return None
    return url


def test_redis_broker_delivers_orders_paid_while_the_worker_was_down(worker, make_order, post_event):
    """With REDIS_URL the worker uses the Redis broker; the job table still
    decides, and the sweep at worker start queues what is waiting."""
    import secrets

    url = _redis_url()
    if url is None:
        pytest.skip("no Redis reachable (set TEST_REDIS_URL)")
    orders = [make_order(email=f"parent{i}@example.com") for i in range(2)]
    for i, order in enumerate(orders):
        post_event(checkout_event(order, event_id=f"evt_{i}"))
    import redis
    from django_q.models import OrmQ

    name = f"test-{secrets.token_hex(4)}"
    connection = redis.from_url(url)
    w = worker(REDIS_URL=url, Q_CLUSTER_NAME=name).start()
    wait_until(all_delivered(orders), timeout=90, what="books through the Redis broker")
    deliveries_sent(w, 2)
    # The tasks this process queued on the ORM broker were never needed: the
    # worker queued its own on Redis, where its cluster reports itself.
    assert OrmQ.objects.count() == 2
    assert connection.keys(f"django_q:{name}:*")
    w.stop()
    connection.delete(*connection.keys(f"django_q:{name}:*") or ["none"])


def test_a_missing_confirmation_is_sent_at_once_while_books_wait(worker, make_order, post_event, settings):
    """The worker is busy with a slow book and more wait behind it; a payment
    whose confirmation was not sent (here: the web process's mail is down)
    gets it within seconds, not after the books."""
    w = worker(OFFLINE_IMAGE_LATENCY="2", GENERATION_CONCURRENCY="2").start()
    books = [make_order(email=f"parent{i}@example.com") for i in range(3)]
    for i, order in enumerate(books):
        post_event(checkout_event(order, event_id=f"evt_{i}"))

    def first_book_running():
        close_old_connections()
        return Job.objects.filter(status=JobStatus.RUNNING).exists()

    wait_until(first_book_running, timeout=30, what="the first book to start")
    settings.EMAIL_BACKEND = "tests.fakes.mail.FailingBackend"
    late = make_order(email="late@example.com")
    paid_at = time.monotonic()
    assert post_event(checkout_event(late, event_id="evt_late")).status_code == 200

    wait_until(lambda: any("To: late@example.com" in t for t in w.emails()), timeout=8, what="the late confirmation")
    print(f"confirmation sent {time.monotonic() - paid_at:.1f} s after payment")
    close_old_connections()
    assert Job.objects.filter(status=JobStatus.QUEUED).count() >= 2  # the books still wait


def test_a_preview_asked_while_a_book_is_drawn_is_ready_before_the_book(worker, make_order, post_event, client):
    """The preview lane: a worker busy with a paid book still makes a
    preview at once, beside the book, never after it."""
    w = worker(OFFLINE_IMAGE_LATENCY="0.4", GENERATION_CONCURRENCY="2", PREVIEW_POLL_SECONDS="0.1").start()
    order = make_order()
    post_event(checkout_event(order, event_id="evt_book"))
    wait_until(lambda: Job.objects.filter(kind="book", status=JobStatus.RUNNING).exists(), what="the book to start")

    response = client.post("/preview/", {**ORDER_FORM, "email": "visitor@example.com"})
    assert response.status_code == 303
    preview_url = response["Location"] + "status.json"
    wait_until(lambda: client.get(preview_url).json()["status"] == "ready", timeout=30, what="the preview")
    order.refresh_from_db()
    assert order.status != OrderStatus.DELIVERED  # the book is still being drawn
    wait_until(all_delivered([order]), timeout=120, what="the book")
    assert w.process.poll() is None  # the worker lived through both


# Gemini's odd answers, through a real worker ---------------------------------

DELAYED_SUBJECT = "Subject: Mia's coloring book is running a little late"


def gemini_worker(worker, fake_gemini, **env: str):
    """A worker drawing through the fake Gemini, with quick backoffs."""
    return worker(
        GEMINI_API_KEY=fake_gemini.api_key,
        GEMINI_BASE_URL=fake_gemini.url,
        GEMINI_API_VERSION="",
        GEMINI_TIMEOUT="5",
        GEMINI_BACKOFF_BASE="0.01",
        GEMINI_BACKOFF_MAX="0.05",
        **env,
    )


def test_a_page_answering_no_image_twice_is_delivered_on_the_first_attempt(worker, paid_order, fake_gemini):
    fake_gemini.no_image("have a picnic", kind=LINE_ART, how="NO_IMAGE", times=2)  # page 3
    order = paid_order()
    w = gemini_worker(worker, fake_gemini).start()

    wait_until(all_delivered([order]), timeout=120, what="the book")
    deliveries_sent(w, 1)
    assert not [text for text in w.emails() if DELAYED_SUBJECT in text]
    job = Job.objects.get()
    assert job.attempts == 1
    picnic = [seen.answer for seen in fake_gemini.calls(LINE_ART) if "have a picnic" in seen.prompt]
    assert picnic == ["NO_IMAGE", "NO_IMAGE", "ok"]
    assert len(fake_gemini.calls(LINE_ART)) == 14 and len(fake_gemini.calls(COLORING)) == 12


def test_a_scene_blocked_twice_is_delivered_with_a_replacement_staff_can_see(worker, paid_order, fake_gemini):
    fake_gemini.block("fly a kite", kind=LINE_ART)  # page 9, its prompt and the softer one
    order = paid_order()
    w = gemini_worker(worker, fake_gemini).start()

    wait_until(all_delivered([order]), timeout=120, what="the book")
    deliveries_sent(w, 1)
    page = Page.objects.get(replaced_scene__contains="fly a kite")
    assert page.index == 8 and "fly a kite" not in page.scene
    assert "IMAGE_SAFETY" in page.replaced_reason
    assert page.line_art and page.colored
    # No other page was drawn twice.
    drawn = [seen.prompt for seen in fake_gemini.calls(LINE_ART) if "fly a kite" not in seen.prompt]
    assert len(drawn) == len(set(drawn)) == 12
    assert len(fake_gemini.calls(COLORING)) == 12
    assert Job.objects.get().attempts == 1


def test_a_host_with_three_books_at_once_holds_at_most_ten_database_connections(worker, make_order, post_event, client):
    """A small managed PostgreSQL allows a few dozen connections for all
    hosts together; one host held 14 with BOOK_WORKERS=3. The worker's side
    of a host (its processes: lanes, heartbeats, outbox, django-q2's own)
    holds at most six while three books and a preview are made, which with
    the web process's (never more than its four threads) is ten."""
    if connection.vendor != "postgresql":
        pytest.skip("counts PostgreSQL connections (pg_stat_activity)")
    # libpq names the worker's connections from its environment.
    w = worker(BOOK_WORKERS="3", OFFLINE_IMAGE_LATENCY="0.3", PGAPPNAME="worker-host").start()
    orders = [make_order(email=f"parent{i}@example.com") for i in range(3)]
    most, stop = 0, threading.Event()

    def count() -> None:
        nonlocal most
        try:
            with connection.cursor() as cursor:
                while not stop.wait(0.05):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND application_name = 'worker-host'"
                    )
                    most = max(most, cursor.fetchone()[0])
        finally:
            connection.close()

    for order in orders:
        post_event(checkout_event(order, event_id=f"evt_{order.pk}"))
    assert client.post("/preview/", {**ORDER_FORM, "email": "visitor@example.com"}).status_code == 303
    sampler = threading.Thread(target=count, daemon=True)
    sampler.start()
    try:
        wait_until(all_delivered(orders), timeout=180, what="three books")
    finally:
        stop.set()
        sampler.join()
    assert w.process.poll() is None
    assert 0 < most <= 6
