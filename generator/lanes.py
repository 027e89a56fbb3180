"""The preview lane: previews never wait behind books.

Books are claimed by django-q2's worker processes, one book at a time each,
through tasks (generator/tasks.py). Previews are claimed by one thread in
each worker process, started with it (generator/apps.py), which looks for a
waiting preview every PREVIEW_POLL_SECONDS: a preview starts within that
whatever books are being made, and a book shares its process with at most
one preview at a time. A preview draws three images (the cover, one scene's
line art and its coloring), so what it takes from a book is short.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from generator import pipeline, queue, shutdown
from generator.models import JobKind

logger = logging.getLogger(__name__)


def preview_run_next() -> str:
    """Claim the oldest waiting preview and make it; what happened."""
    worker = queue.worker_name()
    job = queue.job_claim_next(worker=worker, kind=JobKind.PREVIEW)
    if job is None:
        return "no preview waiting"
    pipeline.job_run(job=job, worker=worker)
    return f"preview {job.pk}"


class PreviewLane:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="preview-lane", daemon=True)

    def start(self) -> "PreviewLane":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        try:
            while not self._stop.is_set() and not shutdown.requested():
                try:
                    made = preview_run_next() != "no preview waiting"
                except Exception:
                    logger.exception("preview lane: a preview failed to run")
                    made = False
                finally:
                    close_old_connections()
                if not made:
                    self._stop.wait(settings.PREVIEW_POLL_SECONDS)
        finally:
            connection.close()


_lane: PreviewLane | None = None


def preview_lane_start() -> PreviewLane:
    """Start this process's preview lane (once)."""
    global _lane
    if _lane is None:
        _lane = PreviewLane().start()
    return _lane
