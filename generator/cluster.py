"""django-q2's cluster, made to stop within seconds of SIGTERM or Ctrl-C.

What django-q2 1.11 does, and why it hung until SIGKILL:

- `manage.py qcluster` (the Cluster) handles SIGTERM/SIGINT by setting the
  sentinel's stop event and joining it. Its Sentinel process resets SIGTERM
  to the default, so a SIGTERM sent to every process (Render, Heroku, any
  `kill` of the process group) kills the sentinel while it sleeps in
  `stop_event.wait()`. A multiprocessing Event's `set()` then waits for that
  dead sleeper to acknowledge, forever: the parent hangs, idle or not, until
  SIGKILL (measured: still there after 50 s).
- A SIGTERM to the parent alone stops the sentinel properly, but the
  sentinel then waits for each worker to finish its task: a book takes
  minutes.
- A second signal (Ctrl-C, then `make run`'s `kill 0`) runs the whole stop
  again from inside the first one's handler: a storm of "stopping" lines and
  logging re-entered from a signal handler.

So here: the sentinel ignores SIGTERM (its parent stops it through the stop
event, which is the only way it can stop without hanging the parent), and
when it stops it sends SIGTERM to its workers, whose handler
(`generator.shutdown`) makes the book in hand stop within a second and go
back to the queue; the workers then take their "STOP" as usual. A worker
killed for its `timeout` gets SIGKILL, since SIGTERM no longer kills it. The
parent runs the stop once, whatever number of signals arrive, and kills what
is left of the cluster if that stop has not ended within
STOP_DEADLINE_SECONDS (django-q2's own waits have no limit).
"""

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from multiprocessing import Value
from unittest import mock

from django_q import cluster as q_cluster
from django_q.conf import Conf, logger
from django_q.worker import worker as q_worker

from bookshop.dbconnections import database_pools_close
from generator.processes import process_alive, process_descendants


class Sentinel(q_cluster.Sentinel):
    def __init__(self, stop_event, start_event, cluster_id, broker=None, timeout=None, start=True) -> None:
        super().__init__(stop_event, start_event, cluster_id, broker, timeout, start=False)
        # Stopped by the parent's stop event only: dying here on SIGTERM is
        # what left the parent waiting on that event forever. The workers,
        # forked after this, install their own handler (generator.shutdown).
        signal.signal(signal.SIGTERM, self._on_sigterm)
        if start:
            self.start()

    def _on_sigterm(self, signum, frame) -> None:
        # The parent, alive, got the same signal and is stopping us; an
        # orphaned sentinel (its parent killed with SIGKILL) has no one to
        # stop it, so it goes as it used to.
        if os.getppid() != self.parent_pid:
            os._exit(0)

    def stop(self) -> None:
        # A worker mid-book would otherwise keep the whole shutdown waiting
        # for the book: told, it stops the book within a second or so.
        for process in list(self.pool):
            with contextlib.suppress(ProcessLookupError):
                if process.is_alive():
                    os.kill(process.pid, signal.SIGTERM)
        super().stop()

    def spawn_process(self, target, *args):
        database_pools_close()
        return super().spawn_process(target, *args)

    def spawn_worker(self) -> None:
        # django-q2's own, but the process runs `worker_process`: the worker
        # loop, then waiting for the book lanes (generator/lanes.py).
        database_pools_close()
        timer = Value("f", -1)
        process = q_cluster.get_mp_context().Process(
            target=worker_process,
            args=(self.task_queue, self.result_queue, timer, self.timeout),
            name=f"Process-{uuid.uuid4().hex}",
        )
        process.daemon = Conf.DAEMONIZE_WORKERS
        process.timer = timer
        self.pool.append(process)
        process.start()

    def reincarnate(self, process) -> None:
        # django-q2 ends a worker past its timeout with SIGTERM, which our
        # workers now take as "finish gracefully": a hung task must die.
        if process in self.pool and process.timer.value == 0 and process.is_alive():
            process.kill()
            process.join(timeout=5)
        super().reincarnate(process)


def worker_process(task_queue, result_queue, timer, timeout) -> None:
    """A django-q2 worker process: its task loop (the lanes start with it,
    generator/apps.py), then the lanes' end (`lanes.lanes_finish`).

    django-q2 recycles a worker after `recycle` tasks or past `max_rss`, by
    leaving its loop after a task. Books are not tasks here but lanes, daemon
    threads that the process's exit would cut short, and a process that
    waited for them outside its loop would leave its queue unread (the
    cluster's stop then waits forever on a full queue). So the recycle is
    decided here, after each task: when due (`recycle` tasks, or `max_rss`),
    it happens at the first task after which no lane holds a job, and the
    lanes then claim nothing more."""
    from django_q import worker as q_worker_module

    from generator import lanes

    recycle_after, q_rss_check = Conf.RECYCLE, q_worker_module.rss_check
    done = 0

    def recycle_due() -> bool:
        nonlocal done
        done += 1
        due = bool(recycle_after and done >= recycle_after) or q_rss_check()
        return due and lanes.lanes_stop_if_idle()

    Conf.RECYCLE = None  # this process only: recycle_due counts instead
    q_worker_module.rss_check = recycle_due
    q_worker(task_queue, result_queue, timer, timeout)
    lanes.lanes_finish()


@contextlib.contextmanager
def _sentinel_class() -> Iterator[None]:
    # Cluster.start names the Sentinel class from its module; this is the
    # one place it is swapped, for the one call that forks the sentinel.
    with mock.patch.object(q_cluster, "Sentinel", Sentinel):
        yield


# Seconds the cluster has to stop by itself after a signal; then whatever of
# it is left is killed. Under bin/start's own limit (8 s) and the 10 s that
# platforms give before their SIGKILL.
STOP_DEADLINE_SECONDS = 7.0


class Cluster(q_cluster.Cluster):
    """The parent process: stops the cluster once, however many signals, and
    never takes longer than STOP_DEADLINE_SECONDS to do it."""

    def __init__(self, *args, **kwargs) -> None:
        self._stopping = False
        super().__init__(*args, **kwargs)

    def start(self) -> int:
        database_pools_close()
        with _sentinel_class():
            return super().start()

    def sig_handler(self, signum, frame) -> None:
        if self._stopping:
            return
        self._stopping = True
        logger.info("qcluster got %s: stopping", signal.Signals(signum).name)
        threading.Thread(target=_stop_deadline, args=(os.getpid(),), name="stop-deadline", daemon=True).start()
        super().sig_handler(signum, frame)


def _stop_deadline(pid: int) -> None:
    """django-q2's stop waits without a limit (for the sentinel, its workers,
    the monitor). A book's job is safe in the job table whatever happens to
    its process, so past the deadline what is left is killed: the sentinel's
    death ends the parent's wait, and the parent exits."""
    time.sleep(STOP_DEADLINE_SECONDS)
    left = [child for child in process_descendants(pid) if process_alive(child)]
    if left:
        logger.warning(
            "qcluster: %s processes still running %.0f s after the stop; killing them", len(left), STOP_DEADLINE_SECONDS
        )
        for child in reversed(left):  # children before their parents: none is reparented and missed
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
