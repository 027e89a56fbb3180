"""Limits shared by every book and process of one host: the memory of a
512 MB host is shared by all the books made at once (the book lanes of its
worker process, generator/lanes.py) and by any other process, so the work
that needs a lot of it at once (an image API call's answer, decoding a
full-size image, rendering a PDF) is admitted a few at a time across all of
them: more books at once wait longer for a slot, never hold more memory.

`HostSlots("pdf-render", 1)` is a counting semaphore made of lock files in
HOST_LOCK_DIR: `flock` on one of `slots` files. It holds between threads of
one process too (each acquisition opens its own file description), and the
kernel releases a dead process's slot, so a worker killed mid-render never
leaves a slot taken.
"""

import contextlib
import fcntl
import math
import os
import threading
import time
from pathlib import Path

from django.conf import settings

POLL_SECONDS = 0.05


class HostSlots:
    def __init__(self, name: str, slots: int) -> None:
        self.name = name
        self.slots = max(1, slots)
        self._local = threading.local()

    def _paths(self) -> list[Path]:
        folder = Path(settings.HOST_LOCK_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        return [folder / f"{self.name}-{number}.lock" for number in range(self.slots)]

    def acquire(self) -> int:
        """Block until a slot is free; returns the file descriptor holding it."""
        paths = self._paths()
        while True:
            for path in paths:
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(descriptor)
                    continue
                return descriptor
            if self.slots == 1:
                # One slot: wait in the kernel rather than polling.
                descriptor = os.open(paths[0], os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX)
                except BaseException:
                    os.close(descriptor)
                    raise
                return descriptor
            time.sleep(POLL_SECONDS)

    @staticmethod
    def release(descriptor: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)

    def __enter__(self) -> "HostSlots":
        held = getattr(self._local, "held", [])
        held.append(self.acquire())
        self._local.held = held
        return self

    def __exit__(self, *exc) -> None:
        self.release(self._local.held.pop())


class HostShare:
    """One book's share of the host's API call slots, so the slots are work-
    conserving and fair: a book alone may have every slot in flight, and
    books running together split them, none starved by another.

    Each book drawing on the host keeps a small file in HOST_LOCK_DIR/shares
    saying how many calls it could have in flight now (`want`), locked for
    as long as it runs (the kernel unlocks a dead process's file, and the
    next reader deletes it). `allowance` splits `slots` among the books by
    max-min fairness: a book that wants less than an equal share leaves the
    rest to the others. The slots themselves (HostSlots) still bound what is
    in flight whatever the shares say, so a share read a moment late costs
    a wait, never memory."""

    _made = 0
    _made_lock = threading.Lock()

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self.folder = Path(settings.HOST_LOCK_DIR) / "shares"
        self._descriptor: int | None = None
        self._path: Path | None = None

    def __enter__(self) -> "HostShare":
        self.folder.mkdir(parents=True, exist_ok=True)
        with HostShare._made_lock:
            HostShare._made += 1
            name = f"{os.getpid()}-{HostShare._made}"
        # Locked before it takes its name, so no reader sees it unlocked.
        draft = self.folder / f".{name}"
        descriptor = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        self._descriptor = descriptor
        self.want(0)
        self._path = self.folder / f"{name}.want"
        os.rename(draft, self._path)
        return self

    def __exit__(self, *exc) -> None:
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink()
        if self._descriptor is not None:
            HostSlots.release(self._descriptor)
        self._descriptor = self._path = None

    def want(self, calls: int) -> None:
        """How many calls this book could have in flight now."""
        if self._descriptor is not None:
            os.pwrite(self._descriptor, f"{max(0, calls):06d}".encode(), 0)

    def _others(self) -> list[int]:
        wants = []
        for path in self.folder.glob("*.want"):
            if path == self._path:
                continue
            try:
                descriptor = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    text = os.pread(descriptor, 16, 0).decode(errors="replace").strip()
                    wants.append(int(text) if text.isdigit() else 1)
                else:
                    with contextlib.suppress(OSError):
                        path.unlink()  # its book's process is gone
            finally:
                os.close(descriptor)
        return wants

    def allowance(self, wanted: int) -> int:
        """Calls this book may have in flight, wanting `wanted`."""
        self.want(wanted)
        return fair_share(self.slots, wanted, self._others())


def fair_share(slots: int, mine: int, others: list[int]) -> int:
    """My part of `slots` by max-min fairness (water-filling): books wanting
    less than an equal share get what they want, the rest is split evenly
    among the others, rounded up so no slot is left idle."""
    left, waiting = slots, sorted([*(w for w in others if w > 0), mine])
    for number, wanted in enumerate(waiting):
        equal = math.ceil(left / (len(waiting) - number))
        if wanted >= equal:
            return min(mine, max(1, equal))
        if wanted == mine:
            return mine
        left -= wanted
    return mine


def api_calls() -> HostSlots:
    return _slots("api-call", settings.HOST_API_CALLS)


def image_decodes() -> HostSlots:
    return _slots("image-decode", settings.HOST_IMAGE_DECODES)


def pdf_renders() -> HostSlots:
    return _slots("pdf-render", settings.HOST_PDF_RENDERS)


_made: dict[tuple[str, int], HostSlots] = {}
_made_lock = threading.Lock()


def _slots(name: str, slots: int) -> HostSlots:
    with _made_lock:
        return _made.setdefault((name, slots), HostSlots(name, slots))
