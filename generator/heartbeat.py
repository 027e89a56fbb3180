"""A running job's watcher: its heartbeat, and the stop that ends it."""

import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bookshop.dbconnections import connection_give_back
from generator import shutdown
from generator.errors import JobCancelled
from generator.models import Job, JobStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)


class Heartbeat:
    """Watches a running job from a thread, and stops it within a second when
    it is no longer wanted.

    Every JOB_WATCH_SECONDS it reads the job's status (one primary-key
    lookup): cancelled, refunded or taken over, the job is no longer its
    worker's. Every JOB_HEARTBEAT_SECONDS it refreshes the heartbeat that
    tells other workers this one is alive. Every WATCH_TICK it looks at the
    worker's shutdown event (generator.shutdown). Whatever the cause, it sets
    `stop`: the pipeline submits no new image call and the provider makes no
    new HTTP call once it is set (see providers.Usage), and `check` raises.
    `interrupted` tells a shutdown (the job goes back to the queue) from a
    job that is no longer ours (it just stops).
    """

    WATCH_TICK = 0.25

    def __init__(self, job: Job, worker: str) -> None:
        self.job_id = job.pk
        self.worker = worker
        self.stop = threading.Event()
        self.interrupted = False
        self.reason = ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job.pk}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _stop(self, reason: str, *, interrupted: bool = False) -> None:
        if not self.stop.is_set():
            self.reason, self.interrupted = reason, interrupted
            self.stop.set()

    def beat(self) -> None:
        now = timezone.now()
        updated = Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, worker=self.worker).update(
            heartbeat_at=now
        )
        # One row per process, whatever number of lanes it runs.
        WorkerHeartbeat.objects.update_or_create(worker=":".join(self.worker.split(":")[:2]), defaults={"beat_at": now})
        if not updated:
            self._stop(f"job {self.job_id} is no longer run by {self.worker}")

    def watch(self) -> None:
        row = Job.objects.filter(pk=self.job_id).values_list("status", "worker").first()
        if row is None or row != (JobStatus.RUNNING, self.worker):
            status = row[0] if row else "gone"
            self._stop(f"job {self.job_id} is {status}, no longer run by {self.worker}")

    def _run(self) -> None:
        clock = time.monotonic
        next_watch = clock() + settings.JOB_WATCH_SECONDS
        next_beat = clock() + settings.JOB_HEARTBEAT_SECONDS
        try:
            while not self._done.wait(min(self.WATCH_TICK, settings.JOB_WATCH_SECONDS)):
                if shutdown.requested():
                    self._stop("the worker is shutting down", interrupted=True)
                try:
                    if clock() >= next_watch:
                        next_watch = clock() + settings.JOB_WATCH_SECONDS
                        self.watch()
                    if clock() >= next_beat:
                        next_beat = clock() + settings.JOB_HEARTBEAT_SECONDS
                        self.beat()
                except Exception:
                    logger.exception("watching job %s failed", self.job_id)
                connection_give_back()
        finally:
            connection.close()

    def check(self) -> None:
        if self.stop.is_set():
            raise JobCancelled(self.reason)
