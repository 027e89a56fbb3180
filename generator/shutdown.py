"""A worker process told to stop (a deploy, Ctrl-C) stops within seconds.

`REQUESTED` is set, once and for the life of the process, when a django-q2
worker process receives SIGTERM or SIGINT (`handlers_install`, called from the
post_spawn hook in generator/apps.py). Whatever runs in a worker process and
must end with it watches this one event:

- each running job's watcher (`heartbeat.Heartbeat`, one per book lane)
  sees it within a quarter of a second and stops its book: no new image
  call, the calls in flight are stored, the job goes back to the queue
  without using up an attempt;
- the lanes (generator/lanes.py) and `tasks.job_run_next` claim no new job
  once it is set, and the process waits for its lanes before it exits
  (`lanes.lanes_finish`);
- a housekeeping thread loops with `while not shutdown.REQUESTED.wait(interval): ...`
  (or calls its own `stop()` when `shutdown.requested()`).

The worker process itself then exits the ordinary django-q2 way: the sentinel
(`generator.cluster.Sentinel`) hands each worker its "STOP" once the task in
hand has returned. Nothing is done inside the signal handler but setting the
event: no logging, no database, no locks (a handler runs between any two
bytecodes of the main thread, which may hold any of those).
"""

import signal
import threading

REQUESTED = threading.Event()

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def requested() -> bool:
    return REQUESTED.is_set()


def _on_signal(signum, frame) -> None:
    REQUESTED.set()


def handlers_install() -> None:
    """In a worker process: SIGTERM and SIGINT ask it to stop, instead of
    killing it mid-book (SIGTERM's default) or being ignored (SIGINT, as
    django-q2 leaves it)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _on_signal)
