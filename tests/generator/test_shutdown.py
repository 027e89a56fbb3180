"""A real `manage.py qcluster` stops within 10 s of SIGTERM (a deploy) or
Ctrl-C, idle or mid-book, and the book resumes from its stored pages."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import close_old_connections

from generator.models import Job, JobStatus, Page
from orders.models import Order, OrderStatus
from tests.conftest import wait_until

pytestmark = pytest.mark.worker

DELIVERY_SUBJECT = "Subject: Mia's coloring book is ready"
STOP_WITHIN = 10.0


def _group_alive(pgid: int) -> list[int]:
    """Processes of the group still running (zombies are gone already)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _signal_and_time(w, how: str) -> float:
    """Send the stop as `how` says, and how long until every process is gone."""
    pgid = w.process.pid
    assert len(_group_alive(pgid)) >= 4  # parent, sentinel, worker, monitor, pusher
    started = time.monotonic()
    if how == "sigterm-all":
        os.killpg(pgid, signal.SIGTERM)
    elif how == "sigterm-parent":
        os.kill(pgid, signal.SIGTERM)
    elif how == "ctrl-c":
        os.killpg(pgid, signal.SIGINT)
    elif how == "make-run":
        # Ctrl-C, then `trap 'kill 0' INT TERM EXIT` in the Makefile's run.
        os.killpg(pgid, signal.SIGINT)
        time.sleep(0.2)
        os.killpg(pgid, signal.SIGTERM)
    deadline = started + 30
    while _group_alive(pgid) and time.monotonic() < deadline:
        w.process.poll()
        time.sleep(0.05)
    took = time.monotonic() - started
    w.kill()  # whatever is left, so a failure does not leak processes
    return took


def _ready(w):
    def check():
        return "started:" in w.log.read_text(errors="replace")

    return check


STOPS = ["sigterm-all", "sigterm-parent", "ctrl-c", "make-run"]


@pytest.mark.parametrize("how", STOPS)
def test_an_idle_worker_stops_within_seconds(worker, how):
    w = worker().start()
    wait_until(_ready(w), timeout=30, what="the worker to start")
    took = _signal_and_time(w, how)
    assert took < STOP_WITHIN, f"still running {took:.1f}s after {how}"
    log = w.log.read_text(errors="replace")
    # One stop, quietly: no storm of "stopping" lines, no logging error.
    assert log.count("Cluster") and log.count("stopping.") == 1
    assert "Traceback" not in log and "Logging error" not in log


def _stored_images() -> dict:
    return {
        (page.index, kind): (getattr(page, kind).name, os.stat(getattr(page, kind).path).st_mtime_ns)
        for page in Page.objects.all()
        for kind in ("line_art", "colored")
        if getattr(page, kind)
    }


@pytest.mark.parametrize("how", STOPS)
def test_a_worker_stopped_mid_book_requeues_it_and_the_next_one_finishes_it_without_redrawing(worker, paid_order, how):
    # Calls of a second, two at a time: twelve seconds a book, longer than
    # the stop may take, so waiting for the book is not an option.
    concurrency = 2
    order = paid_order()
    w = worker(OFFLINE_IMAGE_LATENCY="1.0", GENERATION_CONCURRENCY=str(concurrency))
    w.start()

    def some_images():
        close_old_connections()
        return Job.objects.filter(images_done__gte=4).exists()

    wait_until(some_images, timeout=60, interval=0.1, what="a sixth of the book")
    took = _signal_and_time(w, how)
    assert took < STOP_WITHIN, f"still running {took:.1f}s after {how}"

    close_old_connections()
    job = Job.objects.get()
    # Back in line for any worker at once, the shutdown not counted as an attempt.
    assert (job.status, job.heartbeat_at, job.attempts) == (JobStatus.QUEUED, None, 0)
    assert Order.objects.get().status == OrderStatus.QUEUED
    stored = _stored_images()
    assert 4 <= len(stored) < 20

    # The next worker only has to finish the book: no need to wait a second a call.
    w.env["OFFLINE_IMAGE_LATENCY"] = "0"
    w.start()
    wait_until(
        lambda: close_old_connections() or Order.objects.filter(status=OrderStatus.DELIVERED).exists(),
        timeout=120,
        what="the book after the restart",
    )
    job.refresh_from_db()
    assert job.attempts == 1
    assert _stored_images().items() >= stored.items()  # nothing stored was drawn again
    # The calls in flight at the stop were stored, not paid twice.
    assert 24 <= job.api_calls <= 24 + concurrency
    # The delivery leaves through the worker's outbox, a moment after the book.
    wait_until(lambda: any(DELIVERY_SUBJECT in text for text in w.emails()), timeout=30, what="the delivery email")
    assert sum(DELIVERY_SUBJECT in text for text in w.emails()) == 1
    assert order.pk == job.order.pk


def hang_ignoring_alarm(pid_file: str) -> None:
    """A task stuck where django-q2's in-process timeout cannot reach it."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(120)


def test_a_task_past_its_timeout_is_still_killed(worker, tmp_path):
    """Workers take SIGTERM as "finish gracefully" now: django-q2's timeout,
    which ends a stuck worker with SIGTERM, must still end it."""
    from django_q.tasks import async_task

    pid_file = tmp_path / "hung.pid"
    w = worker(Q_TIMEOUT="2", Q_RETRY="60").start()
    wait_until(_ready(w), timeout=30, what="the worker to start")
    async_task("tests.generator.test_shutdown.hang_ignoring_alarm", str(pid_file))
    hung = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), timeout=30, what="the task"))
    wait_until(lambda: hung not in _group_alive(w.process.pid), timeout=15, what="the stuck worker killed")
    wait_until(lambda: "after timeout" in w.log.read_text(errors="replace"), timeout=5, what="a new worker")
