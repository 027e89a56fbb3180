"""Housekeeping: a daemon thread in each worker process that never waits
behind a book.

Started by the worker's `post_spawn` handler (bookshop/apps.py). Every
OUTBOX_POLL_SECONDS it hands due outbox rows to OUTBOX_CONCURRENCY sender
threads (so fifty 2-second confirmations leave in about 25 s with four), and
every SWEEP_SECONDS it runs the sweep (heartbeat, orphaned jobs, lost tasks,
expired previews).
There is one worker process per host (its books are lanes, threads of it:
generator/lanes.py), so one housekeeper; with several hosts, claims are
race-free (orders/outbox.py) and two sweeps only do the same idempotent work
twice.

`stop()` (for the worker's SIGTERM handling) ends the loop and the senders at
their next wake-up; the threads are daemons, so a process exiting never
waits on them.
"""

import logging
import queue
import threading
import time

from django.conf import settings
from django.db import connection

from generator import shutdown
from generator.queue import jobs_sweep
from orders.models import SentEmail
from orders.outbox import outbox_claim, outbox_send
from orders.previews import previews_sweep

logger = logging.getLogger(__name__)


class Housekeeper:
    def __init__(self) -> None:
        self.concurrency = max(1, settings.OUTBOX_CONCURRENCY)
        self._stop = threading.Event()
        self._claimed: queue.Queue[SentEmail] = queue.Queue()
        # Rows claimed and not yet sent: never claim more than there are free
        # senders, so a claimed row does not sit out its lease in a queue.
        self._busy = threading.Semaphore(self.concurrency)
        self._threads = [threading.Thread(target=self._loop, name="housekeeping", daemon=True)] + [
            threading.Thread(target=self._sender, name=f"outbox-sender-{i}", daemon=True)
            for i in range(self.concurrency)
        ]

    def start(self) -> "Housekeeper":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop claiming and sweeping; senders finish the message in hand
        (a row cut short is sent again after its lease, same Message-ID)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def stopped(self) -> bool:
        # A worker process told to stop (generator.shutdown) claims nothing
        # more: a message cut short by its exit would wait out its lease.
        return self._stop.is_set() or shutdown.requested()

    def _free_senders(self) -> int:
        free = 0
        while self._busy.acquire(blocking=False):
            free += 1
        return free

    def _loop(self) -> None:
        next_sweep = time.monotonic() + settings.SWEEP_SECONDS
        try:
            while not self.stopped:
                try:
                    free = self._free_senders()
                    claimed = outbox_claim(limit=free)
                    for email in claimed:
                        self._claimed.put(email)
                    for _ in range(free - len(claimed)):
                        self._busy.release()
                except Exception:
                    logger.exception("outbox claim failed; retrying")
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + settings.SWEEP_SECONDS
                    try:
                        logger.info("sweep: %s; expired previews deleted: %s", jobs_sweep(), previews_sweep())
                    except Exception:
                        logger.exception("sweep failed; retrying in %s s", settings.SWEEP_SECONDS)
                # SQLite: no connection held between rounds (the web process
                # writes too); PostgreSQL: a reconnect a second is cheap.
                connection.close()
                self._stop.wait(settings.OUTBOX_POLL_SECONDS)
        finally:
            connection.close()

    def _sender(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    email = self._claimed.get(timeout=0.5)
                except queue.Empty:
                    continue
                try:
                    outbox_send(email=email)
                except Exception:
                    logger.exception("email %s: sending failed unexpectedly; sent again after its lease", email.pk)
                finally:
                    connection.close()
                    self._busy.release()
        finally:
            connection.close()


_housekeeper: Housekeeper | None = None
_lock = threading.Lock()


def housekeeping_start() -> Housekeeper:
    """Start this process's housekeeper, once."""
    global _housekeeper
    with _lock:
        if _housekeeper is None or _housekeeper.stopped:
            _housekeeper = Housekeeper().start()
        return _housekeeper


def stop(timeout: float = 2.0) -> None:
    """Stop this process's housekeeper, if it runs (SIGTERM handling)."""
    with _lock:
        housekeeper = _housekeeper
    if housekeeper is not None:
        housekeeper.stop(timeout)
