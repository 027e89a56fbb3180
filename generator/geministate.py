"""What every host must know about the Gemini API, shared in the database:
the models Google retired, and the pause after a per-day quota answer.

Models come and go at Google (2026: the `-preview` image names shut down in
June, `gemini-3.1-flash-image` was deprecated in October). Each model
setting is an ordered list (`model_names`); a model that answers NOT_FOUND
(or that it does not support the request) is retired here, once, for the
whole shop and for good, and every later call goes to the next model of its
list. Staff un-retire one by deleting its row (admin: retired Gemini models).

A per-day quota is spent until Google resets it, at midnight Pacific time
(`daily_quota_reset`): asking again before then only buys another 429. The
first per-day 429 pauses the shop until the reset: no lane claims a book or
a preview (generator/queue.py), the calls of the job in hand stop before
they are made, and the job goes back to the queue without counting an
attempt (generator/pipeline.py).

Where it lives: two tables (generator.models.RetiredModel, QuotaPause),
read and written here in plain SQL, so the providers (which never import
models) can use it. A provider's calls run on a book's pool threads, which
never touch these tables (only the shop-wide rate budget, which closes its
connection after): they read and change `STATE`, this process's copy, and
the job's own thread writes what they learned
(`GeminiState.flush`, called by the pipeline every STOP_POLL_SECONDS) and
reads what other hosts learned (`GeminiState.load`, at each job's start).
So a retirement costs one call in a process (the others wait a few seconds
for the first call to a model not yet heard answering: `probe`), and at
most one more on another host that learned it meanwhile; a model shut down
while calls to it are in flight costs those calls (a 404 is not billed).
"""

import logging
import threading
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

RETIRED_TABLE = "generator_retiredmodel"
PAUSE_TABLE = "generator_quotapause"
PAUSE_NAME = "gemini"
# Google: "Requests per day (RPD) quotas reset at midnight Pacific time."
QUOTA_TIMEZONE = "America/Los_Angeles"
# Resume a minute after the reset: clocks differ by seconds, and a call a
# second early buys another 429 and another pause.
RESET_MARGIN_SECONDS = 60
# How long calls to a model this process has not heard answer wait for the
# first call's answer (`GeminiState.probe`): a NOT_FOUND comes back within a
# second, an image takes 15 to 40 s.
PROBE_WAIT_SECONDS = 3.0


def model_names(value: str | Iterable[str] | None) -> list[str]:
    """A model setting as its ordered list of names: "a, b" or ["a", "b"]
    (one name is a list of one); blanks and repeats dropped."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    names: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in names:
            names.append(name)
    return names


def daily_quota_reset(now: datetime) -> datetime:
    """When a per-day quota spent at `now` (aware) comes back: the next
    midnight in Pacific time, in UTC. Without the time-zone database, PST's
    fixed offset: in summer that is an hour after the reset, never before."""
    try:
        zone: ZoneInfo | timezone = ZoneInfo(QUOTA_TIMEZONE)
    except ZoneInfoNotFoundError:
        zone = timezone(timedelta(hours=-8), "PST")
    day: date = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Retirement:
    name: str
    retired_at: float  # epoch seconds
    reason: str
    setting: str = ""


@dataclass(frozen=True)
class Pause:
    resumes_at: float  # epoch seconds
    paused_at: float
    reason: str
    model: str = ""
    quota_id: str = ""

    def active(self, now: float | None = None) -> bool:
        return self.resumes_at > (clock.time() if now is None else now)

    def seconds_left(self, now: float | None = None) -> float:
        return max(0.0, self.resumes_at - (clock.time() if now is None else now))

    @property
    def resumes(self) -> datetime:
        return datetime.fromtimestamp(self.resumes_at, UTC)


def pause_message(pause: Pause) -> str:
    """For staff: "Gemini daily quota reached; books resume at 08:01 UTC"."""
    return f"Gemini daily quota reached; books resume at {pause.resumes:%H:%M} UTC"


class GeminiState:
    """This process's copy of the shared state (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._retired: dict[str, Retirement] = {}
        self._pause: Pause | None = None
        # Learned by calls and not yet written to the database.
        self._new_retired: dict[str, Retirement] = {}
        self._new_pause: Pause | None = None
        # Models that answered in this process, and the first call to each
        # model not yet seen answering (the others wait for it).
        self._answered: set[str] = set()
        self._probes: dict[str, threading.Event] = {}

    # Read and written by the calls (any thread, memory only) ---------------

    def retirement(self, name: str) -> Retirement | None:
        with self._lock:
            return self._retired.get(name)

    def usable(self, names: Iterable[str]) -> str | None:
        """The first of `names` not retired, or None."""
        with self._lock:
            return next((name for name in names if name not in self._retired), None)

    def retire(self, name: str, reason: str, setting: str = "") -> None:
        with self._lock:
            if name in self._retired:
                return
            retirement = Retirement(name=name, retired_at=clock.time(), reason=reason, setting=setting)
            self._retired[name] = self._new_retired[name] = retirement
            self._answered.discard(name)
        logger.warning("Gemini model %s retired shop-wide (%s): its list goes on with the next model", name, reason)

    def pause(self, *, resumes_at: float, reason: str, model: str = "", quota_id: str = "") -> Pause:
        with self._lock:
            if self._pause is None or self._pause.resumes_at < resumes_at:
                self._pause = self._new_pause = Pause(
                    resumes_at=resumes_at, paused_at=clock.time(), reason=reason, model=model, quota_id=quota_id
                )
                logger.warning("%s (%s)", pause_message(self._pause), reason)
            return self._pause

    def paused(self) -> Pause | None:
        with self._lock:
            pause = self._pause
        return pause if pause is not None and pause.active() else None

    def probe(self, model: str, stopped: Callable[[], bool] = lambda: False) -> bool:
        """Before a call to `model`: True if this call is the first to a model
        this process has not heard answer (the caller ends it with
        `probe_end`). Else False, once that first call has an answer or
        PROBE_WAIT_SECONDS have passed: a model Google shut down answers
        NOT_FOUND at once, so the calls that waited go to the next model
        and it costs one call, not one per call in flight; a first call
        still running after that is drawing an image (15 to 40 s), and the
        others need not wait for it."""
        deadline = clock.monotonic() + PROBE_WAIT_SECONDS
        while True:
            with self._lock:
                if model in self._answered or model in self._retired:
                    return False
                event = self._probes.get(model)
                if event is None:
                    self._probes[model] = threading.Event()
                    return True
            left = deadline - clock.monotonic()
            if left <= 0 or stopped():
                return False
            event.wait(min(0.2, left))

    def probe_end(self, model: str, *, answered: bool) -> None:
        with self._lock:
            if answered:
                self._answered.add(model)
            event = self._probes.pop(model, None)
        if event is not None:
            event.set()

    def answered(self, model: str) -> None:
        with self._lock:
            self._answered.add(model)

    # The job's own thread: the database ----------------------------------------

    def load(self) -> None:
        """Read what every host learned (at a job's start): retirements
        deleted by staff are forgotten here too."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT name, retired_at, reason, setting FROM {RETIRED_TABLE}")  # noqa: S608
                stored = {row[0]: Retirement(*row) for row in cursor.fetchall()}
                cursor.execute(
                    f"SELECT resumes_at, paused_at, reason, model, quota_id FROM {PAUSE_TABLE} WHERE name = %s",  # noqa: S608
                    [PAUSE_NAME],
                )
                row = cursor.fetchone()
        except DatabaseError as exc:
            logger.warning("Gemini state: the database could not be read (%s); this process keeps its own", exc)
            return
        pause = Pause(*row) if row else None
        with self._lock:
            self._retired = {**stored, **self._new_retired}
            self._pause = self._new_pause or (pause if pause is not None and pause.active() else None)

    def flush(self) -> None:
        """Write what this process's calls learned; kept for the next flush
        if the database fails."""
        with self._lock:
            retired, pause = list(self._new_retired.values()), self._new_pause
        if not retired and pause is None:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for item in retired:
                    cursor.execute(
                        f"INSERT INTO {RETIRED_TABLE} (name, retired_at, reason, setting) VALUES (%s, %s, %s, %s) "  # noqa: S608
                        "ON CONFLICT (name) DO NOTHING",
                        [item.name, item.retired_at, item.reason[:2000], item.setting],
                    )
                if pause is not None:
                    cursor.execute(
                        f"INSERT INTO {PAUSE_TABLE} (name, resumes_at, paused_at, reason, model, quota_id) "  # noqa: S608
                        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                        "resumes_at = excluded.resumes_at, paused_at = excluded.paused_at, reason = excluded.reason, "
                        f"model = excluded.model, quota_id = excluded.quota_id WHERE {PAUSE_TABLE}.resumes_at < "
                        "excluded.resumes_at",
                        [
                            PAUSE_NAME,
                            pause.resumes_at,
                            pause.paused_at,
                            pause.reason[:2000],
                            pause.model,
                            pause.quota_id,
                        ],  # noqa: E501
                    )
        except DatabaseError as exc:
            logger.warning("Gemini state: the database could not be written (%s); kept for the next try", exc)
            return
        with self._lock:
            for item in retired:
                if self._new_retired.get(item.name) is item:
                    del self._new_retired[item.name]
            if self._new_pause is pause:
                self._new_pause = None

    def forget(self) -> None:
        """Drop this process's copy (tests; a shop whose database was reset)."""
        self.__init__()


STATE = GeminiState()


def pause_current() -> Pause | None:
    """The shop-wide pause in force, read from the database (every host's),
    or None. What the lanes ask before claiming a job."""
    STATE.load()
    return STATE.paused()
