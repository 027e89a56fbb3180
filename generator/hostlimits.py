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
