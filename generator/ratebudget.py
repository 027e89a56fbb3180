"""One Gemini request-rate budget for the whole shop, every host together.

`GEMINI_RPM` is the account's quota: requests per minute for all worker
processes on all hosts. Every HTTP call to Gemini (first tries and retries)
takes a slot here before it is made, and slots are handed out evenly spaced,
60/GEMINI_RPM seconds apart: a shared schedule that keeps one number, the
time of the next free slot. Taking a slot moves that number on by one
interval, atomically; the caller then waits until its slot comes (waking at
once if its job is stopped meanwhile). So in any minute, at most GEMINI_RPM
calls start, whatever the number of hosts and processes.

Where the schedule lives:
- with `REDIS_URL`, in Redis (under the django-q2 cluster's name, which the
  shop's hosts share: `redis_key`), moved on by a small Lua script that
  reads Redis's own clock, so hosts' clocks need not agree;
- else in the database: the row of `generator_ratebudget` named `gemini`,
  locked for the change (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's
  IMMEDIATE transactions already serialize writers).

If that store cannot be reached, the process falls back to a schedule of its
own (the old per-process cap) and logs it, rather than stopping every book.

This module is plain SQL and Redis, with no import of the models, so the
providers (which never import models) can use it.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

NAME = "gemini"


def redis_key(cluster: str) -> str:
    """The schedule's key: a shop's hosts share their Q_CLUSTER_NAME (and
    their queue) in Redis, and with it their Gemini account."""
    return f"{cluster}:ratebudget:gemini:next"


TABLE = "generator_ratebudget"

# Takes the next slot: returns how long the caller waits for it (seconds, as
# a string: Redis turns Lua numbers into integers).
_REDIS_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local slot = math.max(now, nxt)
redis.call('SET', KEYS[1], string.format('%.6f', slot + interval), 'EX', math.ceil(slot - now + interval) + 60)
return string.format('%.6f', slot - now)
"""


class LocalSchedule:
    """The per-process fallback: evenly spaced slots for this process alone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def take(self, interval: float) -> float:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + interval
        return slot - now


class RedisSchedule:
    def __init__(self, url: str) -> None:
        import redis

        self._key = redis_key(settings.Q_CLUSTER["name"])
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._script = self._client.register_script(_REDIS_SCRIPT)

    def take(self, interval: float) -> float:
        return float(self._script(keys=[self._key], args=[f"{interval:.6f}"]))


class DatabaseSchedule:
    """The schedule in one row. The clock is the database's on PostgreSQL
    (hosts' clocks need not agree), this host's on SQLite (one host). The
    row is locked for one short transaction of its own; a caller already
    inside a transaction would hold it until that one ends, so providers are
    never called inside one (the pipeline calls them outside any)."""

    def take(self, interval: float) -> float:
        try:
            return self._take(interval)
        finally:
            # Image calls run on a book's pool threads, which never touch
            # the database otherwise: leave no connection behind them.
            if not connection.in_atomic_block and threading.current_thread() is not threading.main_thread():
                connection.close()

    def _take(self, interval: float) -> float:
        postgres = connection.vendor == "postgresql"
        clock = "EXTRACT(EPOCH FROM clock_timestamp())::float8" if postgres else None
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (name, next_at) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING",  # noqa: S608
                [NAME],
            )
            cursor.execute(f"SELECT next_at FROM {TABLE} WHERE name = %s{lock}", [NAME])  # noqa: S608
            (next_at,) = cursor.fetchone()
            if clock:
                cursor.execute(f"SELECT {clock}")
                (now,) = cursor.fetchone()
            else:
                now = time.time()
            slot = max(now, next_at)
            cursor.execute(f"UPDATE {TABLE} SET next_at = %s WHERE name = %s", [slot + interval, NAME])  # noqa: S608
        return slot - now


class RateBudget:
    """Slots of the shared budget (see the module's docstring)."""

    # Seconds between two warnings that the shared store is unreachable.
    WARN_EVERY = 60.0

    def __init__(self) -> None:
        self.local = LocalSchedule()
        self._shared: RedisSchedule | DatabaseSchedule | None = None
        self._shared_for: str | None = None
        self._lock = threading.Lock()
        self._warned_at = -self.WARN_EVERY

    def _store(self) -> "RedisSchedule | DatabaseSchedule":
        url = settings.REDIS_URL or ""
        with self._lock:
            if self._shared is None or self._shared_for != url:
                self._shared = RedisSchedule(url) if url else DatabaseSchedule()
                self._shared_for = url
            return self._shared

    def take(self, rpm: int) -> float:
        """Take the next slot; how long to wait for it."""
        interval = 60.0 / rpm
        try:
            return self._store().take(interval)
        except Exception as exc:
            now = time.monotonic()
            if now - self._warned_at >= self.WARN_EVERY:
                self._warned_at = now
                logger.warning("rate budget: shared store unreachable (%s); this process keeps its own cap", exc)
            return self.local.take(interval)

    def wait(self, rpm: int, pause: Callable[[float], None] = time.sleep) -> None:
        """Wait for a slot of `rpm` requests per minute (0: no cap). `pause`
        sleeps and may raise to give up (Usage.pause, when the job stops)."""
        if rpm <= 0:
            return
        delay = self.take(rpm)
        if delay > 0:
            pause(delay)


RATE_BUDGET = RateBudget()
