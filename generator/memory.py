"""Keeping a worker process small.

glibc gives every thread that allocates its own malloc arena, and freed
memory stays in those arenas: a book drawn and rendered with a few threads
left the worker 35 MB larger than with two arenas (`make bench`). The worker
process limits its arenas when it starts, before any thread exists.
"""

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's malloc.h


def malloc_arenas_limit(arenas: int = 2) -> bool:
    """Same effect as MALLOC_ARENA_MAX for this process; False where the C
    library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        logger.info("mallopt is not available; malloc arenas left as they are")
        return False
