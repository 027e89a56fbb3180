"""The worker cluster (django-q2), made to stop within seconds on SIGTERM.

django-q2's cluster stops from inside its signal handler: it sets a
multiprocessing Event the sentinel process sleeps on, then joins the
sentinel. Setting that Event waits for every sleeper to acknowledge it
(`multiprocessing.Condition.notify`), and the sentinel keeps SIGTERM's
default action. When a platform sends SIGTERM to every process of the
container (Render and Heroku do, at each deploy), the sentinel dies while
registered as a sleeper, and the cluster waits forever for its
acknowledgement: the worker hangs until SIGKILL. Signals arriving again
(Ctrl-C, then a shell's `kill 0`) re-enter that handler, which logs
"stopping" each time and breaks on its own half-torn-down state.

Here the handler only records the signal. The main loop then stops the
cluster the way a platform would, and the way that is safe mid-book: SIGTERM
to every process of the cluster (sentinel first, so that it cannot replace
the others), SIGKILL for any still there after a grace period. A task killed
this way is not lost: the job table, not the queue, is the truth about a
book, and a job whose worker died is taken over and resumes from its stored
pages.
"""

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from django_q.cluster import Cluster

logger = logging.getLogger(__name__)

# Seconds the cluster's processes get to exit after SIGTERM before SIGKILL.
# Below bin/start's own limit (8 s), so the cluster normally exits by itself.
STOP_GRACE_SECONDS = 6.0
POLL_SECONDS = 0.1


def process_descendants(pid: int) -> list[int]:
    """Every live descendant of `pid`, parents before children (Linux /proc).

    Empty where /proc is missing; callers then fall back to what
    multiprocessing knows of its own children.
    """
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":  # a zombie is already dead, only waiting to be reaped
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        current = todo.pop(0)
        found.append(current)
        todo.extend(children.get(current, []))
    return found


class ShopCluster(Cluster):
    """django-q2's Cluster whose signal handler never blocks.

    Invariant: the main process leaves no process of its cluster behind when
    it returns from `run_until_stopped`.
    """

    def __init__(self) -> None:
        self.stop_signal: int | None = None
        super().__init__()  # installs self.sig_handler for SIGTERM and SIGINT

    def sig_handler(self, signum: int, frame: object) -> None:
        # Only record: stopping takes locks and logs, which a handler
        # interrupting the main thread must not do. Clearing start_event ends
        # Cluster.start()'s wait for the sentinel if the signal comes first.
        self.stop_signal = signum
        self.start_event = None

    def run_until_stopped(self, grace: float = STOP_GRACE_SECONDS) -> int:
        """Wait for a stop signal (or the sentinel's death), then stop every
        process of the cluster. Returns the exit status: 0 after a signal,
        1 if the sentinel died on its own."""
        while self.stop_signal is None and self.sentinel.is_alive():
            time.sleep(POLL_SECONDS)
        if self.stop_signal is None:
            logger.error("Q Cluster %s: sentinel exited with code %s", self.name, self.sentinel.exitcode)
        else:
            logger.info("Q Cluster %s stopping (%s).", self.name, signal.Signals(self.stop_signal).name)
        self.terminate(grace)
        logger.info("Q Cluster %s has stopped.", self.name)
        return 0 if self.stop_signal is not None else 1

    def terminate(self, grace: float) -> None:
        """SIGTERM to every process of the cluster, SIGKILL after `grace` s."""
        deadline = time.monotonic() + grace
        # Followed by pid once signalled: a worker whose sentinel died is
        # reparented, and is no longer found among our descendants.
        signalled: set[int] = set()
        while True:
            # Walked again each time: a worker the sentinel started just
            # before it got its signal is stopped too.
            pids = process_descendants(os.getpid())
            if not pids and not Path("/proc").is_dir() and self.sentinel.is_alive():
                pids = [self.sentinel.pid]  # no /proc: what multiprocessing knows
            late = time.monotonic() >= deadline
            for pid in pids:
                if pid not in signalled:
                    _kill(pid, signal.SIGTERM)
                    signalled.add(pid)
            signalled = {pid for pid in signalled if process_alive(pid)}
            if not signalled:
                break
            if late:
                for pid in signalled:
                    _kill(pid, signal.SIGKILL)
                break
            time.sleep(POLL_SECONDS)
        self.sentinel.join(timeout=1)  # reap it, so no zombie outlives us


def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state != "Z"


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
