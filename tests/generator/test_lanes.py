"""Several books at once as lanes of ONE worker process (generator/lanes.py):
three books overlap in time within a memory budget measured from the
process tree, and a SIGTERM mid-way sends all three back to the queue,
finished after a restart with no image drawn twice."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.db import close_old_connections

from generator import queue
from generator.models import Job, JobStatus, Page
from generator.processes import process_descendants
from orders.models import Order, OrderStatus
from tests.conftest import wait_until

pytestmark = pytest.mark.worker

BOOKS = 3
CONCURRENCY = 2
# The worker process (one Python and Django, the lanes, three books of
# 512-pixel images drawn two calls at a time each) peaked at 124 MB here
# (VmHWM, measured with this test): the budget leaves room for another
# machine's libraries, and is under three processes of about 80 MB each
# before any book.
WORKER_BUDGET_MB = 180
# The whole tree at once (qcluster parent, sentinel, monitor, pusher, the
# worker, the PDF's image-preparing children): 364 MB measured, its VmRSS
# summed, which counts the pages the forked processes share in each (457 MB
# once on a loaded machine, when a freshly forked child was sampled before
# its parent's pages were shared out). The budget is the host's 512 MB: the
# sum over-counts, so a tree within it is within the host (the kernel's
# figure, a memory cgroup, is what `make bench-load` reads).
TREE_BUDGET_MB = 512


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class PeakWatcher:
    """Samples the worker's process tree every 0.1 s: each process's peak
    (VmHWM, the kernel's high-water mark of it) and the most the tree held
    at once (its processes' VmRSS summed: shared pages counted in each, so
    an over-estimate)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks_kb: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.tree_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now_kb = 0
        for pid in [self.root, *process_descendants(self.root)]:
            try:
                self.peaks_kb[pid] = max(self.peaks_kb.get(pid, 0), _status_kb(pid, "VmHWM"))
                now_kb += _status_kb(pid, "VmRSS")
                self.names.setdefault(pid, Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
            except (OSError, ValueError):
                continue
        self.tree_kb = max(self.tree_kb, now_kb)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def __enter__(self) -> "PeakWatcher":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _orders(paid_order) -> list[Order]:
    return [paid_order(email=f"parent{number}@example.com") for number in range(BOOKS)]


def _stored() -> dict[tuple[int, int], tuple[str, str]]:
    close_old_connections()
    return {(p.job_id, p.index): (p.line_art.name, p.colored.name) for p in Page.objects.all()}


def test_three_books_are_made_at_once_in_one_worker_process_within_a_measured_budget(worker, paid_order):
    _orders(paid_order)
    w = worker(
        BOOK_WORKERS=str(BOOKS),
        BOOK_IMAGE_SIZE="512",
        OFFLINE_IMAGE_LATENCY="0.4",
        GENERATION_CONCURRENCY=str(CONCURRENCY),
    ).start()
    with PeakWatcher(w.process.pid) as peaks:
        wait_until(
            lambda: close_old_connections() or Order.objects.filter(status=OrderStatus.DELIVERED).count() == BOOKS,
            timeout=240,
            what="three books delivered",
        )
    jobs = list(Job.objects.order_by("pk"))
    assert [job.status for job in jobs] == [JobStatus.DONE] * BOOKS
    assert [job.attempts for job in jobs] == [1] * BOOKS
    # Made at the same time: each started before any of them finished.
    assert max(job.started_at for job in jobs) < min(job.finished_at for job in jobs)
    # By three lanes of one process.
    assert len({queue.worker_process(job.worker) for job in jobs}) == 1
    assert len({job.worker for job in jobs}) == BOOKS
    pid = int(jobs[0].worker.split(":")[1])
    workers = [p for p, name in peaks.names.items() if "qcluster" in name and p != w.process.pid]
    assert pid in workers
    worker_mb = peaks.peaks_kb[pid] / 1024
    tree_mb = peaks.tree_kb / 1024
    print(f"worker process peak {worker_mb:.0f} MB; the whole tree at once, at most {tree_mb:.0f} MB")
    assert worker_mb < WORKER_BUDGET_MB
    assert tree_mb < TREE_BUDGET_MB
    # Pages whole, none drawn twice: two images a page, and each call paid once.
    for job in jobs:
        assert job.pages.exclude(line_art="").exclude(colored="").count() == 12
        assert job.api_calls == 25  # the cover, then a line art and a coloring a page


def test_a_sigterm_mid_way_sends_three_books_back_and_a_restart_finishes_them_without_redrawing(worker, paid_order):
    orders = _orders(paid_order)
    w = worker(BOOK_WORKERS=str(BOOKS), OFFLINE_IMAGE_LATENCY="1.0", GENERATION_CONCURRENCY=str(CONCURRENCY))
    w.start()

    def each_has_some_images():
        close_old_connections()
        return Job.objects.filter(images_done__gte=2).count() == BOOKS

    wait_until(each_has_some_images, timeout=90, interval=0.1, what="three books under way")
    pgid = w.process.pid
    started = time.monotonic()
    os.killpg(pgid, signal.SIGTERM)
    w.process.wait(timeout=20)
    took = time.monotonic() - started
    w.kill()
    assert took < 10, f"the worker took {took:.1f}s to stop"

    close_old_connections()
    jobs = list(Job.objects.order_by("pk"))
    # All three back in line, the shutdown not counted as an attempt.
    assert [(job.status, job.heartbeat_at, job.attempts) for job in jobs] == [(JobStatus.QUEUED, None, 0)] * BOOKS
    assert Order.objects.filter(status=OrderStatus.QUEUED).count() == BOOKS
    stored = _stored()
    assert all(job.images_done < 24 for job in jobs)

    w.env["OFFLINE_IMAGE_LATENCY"] = "0"
    w.start()
    wait_until(
        lambda: close_old_connections() or Order.objects.filter(status=OrderStatus.DELIVERED).count() == BOOKS,
        timeout=180,
        what="three books after the restart",
    )
    after = _stored()
    for key, (line_art, colored) in stored.items():
        # Nothing stored was drawn again.
        assert after[key][0] == line_art or not line_art
        assert after[key][1] == colored or not colored
    for job in Job.objects.all():
        assert job.attempts == 1
        # The calls in flight at the stop were stored, not paid twice.
        assert 25 <= job.api_calls <= 25 + CONCURRENCY
    assert [order.pk for order in orders] == sorted(o.pk for o in Order.objects.filter(status=OrderStatus.DELIVERED))


@pytest.mark.django_db(transaction=True)
def test_lanes_claiming_at_once_from_threads_take_each_book_once(paid_order):
    """Claims from threads of one process, each on its own connection, as
    the lanes make them (BEGIN IMMEDIATE on SQLite, SKIP LOCKED on Postgres)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    for number in range(8):
        paid_order(email=f"parent{number}@example.com")
    start = threading.Barrier(4)

    def lane(number: int) -> list[int]:
        claimed = []
        try:
            start.wait()
            while (job := queue.job_claim_next(worker=queue.worker_name(lane=f"book-{number}"))) is not None:
                claimed.append(job.pk)
        finally:
            connection.close()
        return claimed

    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lane, range(4)))
    every = [pk for claimed in claims for pk in claimed]
    assert sorted(every) == sorted(Job.objects.values_list("pk", flat=True))
    assert len(every) == len(set(every)) == 8
    for number, claimed in enumerate(claims):
        assert set(Job.objects.filter(pk__in=claimed).values_list("worker", flat=True)) <= {
            queue.worker_name(lane=f"book-{number}")
        }


def test_the_worker_process_is_recycled_only_when_no_lane_holds_a_book(worker, paid_order):
    """django-q2 replaces its worker process after Q_RECYCLE tasks: here
    after each one. Tasks run while three books are made never cut them
    short (an attempt lost, images drawn again): the process is replaced
    after the first task that finds its lanes idle."""
    _orders(paid_order)
    w = worker(BOOK_WORKERS=str(BOOKS), Q_RECYCLE="1", OFFLINE_IMAGE_LATENCY="0.3").start()

    def all_under_way():
        close_old_connections()
        return Job.objects.filter(status=JobStatus.RUNNING, images_done__gte=2).count() == BOOKS

    wait_until(all_under_way, timeout=90, interval=0.1, what="three books under way")
    queue.tasks_enqueue(2)  # run by the worker while its lanes hold books
    wait_until(
        lambda: close_old_connections() or Order.objects.filter(status=OrderStatus.DELIVERED).count() == BOOKS,
        timeout=180,
        what="three books delivered",
    )
    jobs = list(Job.objects.all())
    assert len({queue.worker_process(job.worker) for job in jobs}) == 1
    for job in jobs:
        assert (job.status, job.attempts, job.api_calls) == (JobStatus.DONE, 1, 25)
    assert "recycled worker" not in w.log.read_text(errors="replace")
    # Now the lanes are idle, or about to be: a lane ends its book's attempt
    # (its log line, the host's call share) a moment after the delivery is
    # committed, and a task run in that moment rightly finds it busy. So a
    # task is sent each second until one finds them idle: recycled.

    def recycled() -> bool:
        if "recycled worker" in w.log.read_text(errors="replace"):
            return True
        queue.tasks_enqueue()
        return False

    wait_until(recycled, timeout=120, interval=1.0, what="the recycle")
