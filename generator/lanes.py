"""Lanes: threads of the worker process that claim jobs from the job table.

The worker runs one django-q2 worker process (bookshop/settings.py), and in
it, started with it (generator/apps.py):

- BOOK_WORKERS book lanes, each making one book at a time: several books are
  threads of one process (one Python, one Django, about 80 MB once) instead
  of one process each. A book mostly waits on image calls; the work that
  needs memory (an answer read, a full-size image decoded, a PDF rendered)
  is admitted a few at a time across the whole host (generator/hostlimits.py),
  so more books at once means waiting for a slot, never more memory at once.
  (An image answered and waiting for its decode slot is held by its call's
  thread: at most HOST_API_CALLS of them, shared by the books, 4 MB each
  with Gemini's 2K images.)
- one preview lane: a preview never waits behind books.

Each lane looks for a job every poll interval (BOOK_POLL_SECONDS,
PREVIEW_POLL_SECONDS), and at once when woken (`lanes_wake`, run by the
django-q2 task queued with every new or requeued book). Claims are atomic
(generator/queue.py: one transaction; SELECT ... FOR UPDATE SKIP LOCKED on
Postgres, BEGIN IMMEDIATE on SQLite), so two lanes never take the same job.
Each lane claims under its own worker name (`host:pid:lane`): a job taken
over from a lane is no longer that lane's, even from a lane of the same
process. No lane claims anything while a per-day Gemini quota is spent
(generator/geministate.py): they look again each poll, and start at its
reset.

On SIGTERM (generator/shutdown.py) each running book's watcher stops it
within a second and puts it back in the queue; the lanes claim nothing
more, and the process waits for them (`lanes_finish`) before it exits.
django-q2 recycles the process only while no lane holds a job
(generator/cluster.py: worker_process).
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection

from generator import pipeline, queue, shutdown
from generator.models import JobKind

logger = logging.getLogger(__name__)

NOTHING = "nothing waiting"


def job_run_next(*, kind: str, worker: str) -> str:
    """Claim the oldest waiting job of a kind and make it; what happened."""
    if shutdown.requested():
        return "not claiming: the worker is shutting down"
    job = queue.job_claim_next(worker=worker, kind=kind)
    if job is None:
        return NOTHING
    pipeline.job_run(job=job, worker=worker)
    return f"{kind} {job.pk}"


def preview_run_next() -> str:
    """Claim the oldest waiting preview and make it here; what happened."""
    return job_run_next(kind=JobKind.PREVIEW, worker=queue.worker_name(lane="preview"))


class Lane:
    """One thread claiming jobs of one kind, one at a time."""

    def __init__(self, name: str, kind: str, poll: Callable[[], float], lock: threading.Lock) -> None:
        self.name, self.kind, self._poll = name, kind, poll
        # Held to claim, and to see that every lane is idle (Lanes.stop_if_idle).
        self._lock = lock
        self.busy = False
        self._draining = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lane-{name}", daemon=True)

    @property
    def worker(self) -> str:
        return queue.worker_name(lane=self.name)

    def start(self) -> "Lane":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def drain(self) -> None:
        """Claim nothing more; the job in hand finishes."""
        self._draining.set()
        self._wake.set()

    def join(self, timeout: float | None) -> None:
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._draining.is_set() or shutdown.requested():
                        break
                    self.busy = True
                made = False
                try:
                    made = job_run_next(kind=self.kind, worker=self.worker) != NOTHING
                except Exception:
                    logger.exception("lane %s: a job failed to run", self.name)
                finally:
                    with self._lock:
                        self.busy = False
                    close_old_connections()
                if not made:
                    self._wake.wait(self._poll())
                    self._wake.clear()
        finally:
            connection.close()


class Lanes:
    """This process's lanes: BOOK_WORKERS book lanes and one preview lane."""

    def __init__(self, books: int) -> None:
        self._lock = threading.Lock()
        self.books = [
            Lane(f"book-{number}", JobKind.BOOK, lambda: settings.BOOK_POLL_SECONDS, self._lock)
            for number in range(1, books + 1)
        ]
        self.preview = Lane("preview", JobKind.PREVIEW, lambda: settings.PREVIEW_POLL_SECONDS, self._lock)
        self.all = [*self.books, self.preview]

    def start(self) -> "Lanes":
        for lane in self.all:
            lane.start()
        return self

    def wake(self) -> None:
        for lane in self.books:
            lane.wake()

    def stop_if_idle(self) -> bool:
        """If no lane holds a job, have them all claim nothing more, and
        True; else False, with nothing changed."""
        with self._lock:
            if any(lane.busy for lane in self.all):
                return False
            for lane in self.all:
                lane.drain()
            return True

    def finish(self, timeout: float | None = None) -> bool:
        """Claim nothing more and wait for the jobs in hand (within `timeout`
        seconds, or as long as they take); whether every lane ended."""
        for lane in self.all:
            lane.drain()
        deadline = None if timeout is None else time.monotonic() + timeout
        for lane in self.all:
            lane.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(lane.alive() for lane in self.all)


_lanes: Lanes | None = None
_lanes_lock = threading.Lock()


def lanes_start() -> Lanes:
    """Start this process's lanes (once)."""
    global _lanes
    with _lanes_lock:
        if _lanes is None:
            _lanes = Lanes(max(1, settings.BOOK_WORKERS)).start()
        return _lanes


def lanes_running() -> bool:
    """Whether this process makes its books in lanes (a worker process)."""
    return _lanes is not None


def lanes_wake() -> bool:
    """Have this process's idle book lanes look for a book now; False if
    this process has none."""
    if _lanes is None:
        return False
    _lanes.wake()
    return True


# Seconds a stopping worker process waits for its lanes: each book stops
# within a second of SIGTERM and goes back to the queue; under the
# cluster's own deadline (generator/cluster.py).
STOP_WAIT_SECONDS = 5.0


def lanes_stop_if_idle() -> bool:
    """For recycling the worker process: True (and no lane claims anything
    more) only while no lane holds a job; True where there are no lanes."""
    return _lanes is None or _lanes.stop_if_idle()


def lanes_finish() -> None:
    """The django-q2 worker loop of this process ended, and the process
    exits when this returns: told to stop (SIGTERM: every book goes back to
    the queue within a second), or recycled, which happens only while no
    lane holds a job (generator/cluster.py: worker_process)."""
    if _lanes is not None:
        _lanes.finish(STOP_WAIT_SECONDS)
