"""Keeping a worker process small.

glibc gives every thread that allocates its own malloc arena, and freed
memory stays in those arenas: a book drawn and rendered with a few threads
left the worker 35 MB larger than with two arenas (`make bench`).

glibc also raises its mmap threshold each time a large block is freed (up to
32 MB), after which image-sized buffers come from the arenas, where freeing
them rarely gives memory back: a worker that had drawn a Gemini book stayed
at 190 MB instead of 127 MB. A fixed threshold keeps every image buffer in
its own mapping, returned to the system when freed.

The worker process tunes both when it starts, before any thread exists.
"""

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

# From glibc's malloc.h.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def malloc_tune(arenas: int = 2, mmap_threshold: int = 256 * 1024) -> bool:
    """Same effect as MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ for this
    process; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas)) and bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold))
    except (OSError, AttributeError):
        logger.info("mallopt is not available; malloc left as it is")
        return False
