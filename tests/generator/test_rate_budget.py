"""GEMINI_RPM is one budget for the whole shop: two separate OS processes
(two hosts, as far as the budget can tell) take slots of it at once, against
the same Redis and against the database, and together never start more calls
in a window than the budget allows, while both get some.

Each process runs Django and takes slots the way the Gemini provider does
(`gemini.RATE_LIMITER.wait(GEMINI_RPM)`) as fast as it may, recording when
each slot came."""

import json
import os
import re
import secrets
import subprocess
import sys
import time

import pytest

from generator import ratebudget
from tests.conftest import ROOT, _database_url

RPM = 240  # one slot every 0.25 s for the shop
RUN_SECONDS = 4.0
WINDOW = 2.0  # any 2 s may hold 8 slots (9 with the timer's jitter)
# A Redis database of its own (CI's TEST_REDIS_URL's server), the schedule
# under a cluster name of its own.
REDIS_URL = os.environ.get(
    "TEST_RATEBUDGET_REDIS_URL",
    re.sub(r"/\d*$", "/14", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")),
)

TAKER = """
import json, sys, time
import django
django.setup()
from generator.providers import gemini
print("ready", flush=True)
rpm, start, end = sys.stdin.readline().split()
rpm, start, end = int(rpm), float(start), float(end)
time.sleep(max(0.0, start - time.time()))
taken = []
while time.time() < end:
    gemini.RATE_LIMITER.wait(rpm)
    taken.append(time.time())
print(json.dumps(taken), flush=True)
"""


def _takers(**env: str) -> list[list[float]]:
    """Two processes taking slots from the same moment for RUN_SECONDS, once
    both are up (however long Django takes to start on a busy machine)."""
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "bookshop.settings", "DEBUG": "1", **env}
    environ.pop("SECRET_KEY", None)
    if "REDIS_URL" not in env:
        environ.pop("REDIS_URL", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER],
            cwd=ROOT,
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        start = time.time() + 0.5
        for process in processes:
            process.stdin.write(f"{RPM} {start!r} {start + RUN_SECONDS!r}\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            assert "unreachable" not in err, err  # the shared store answered
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return results


def _assert_one_budget(results: list[list[float]]) -> None:
    allowed = RPM * WINDOW / 60
    both = sorted(t for taken in results for t in taken)
    busiest = max(sum(1 for t in both if first <= t < first + WINDOW) for first in both)
    # Evenly spaced slots, recorded when each sleep ends: one more for jitter.
    assert busiest <= allowed + 1, f"{busiest} calls in {WINDOW}s, the budget allows {allowed:.0f}"
    # Over the whole run, the shop got what the budget allows, no more.
    assert len(both) <= RPM * RUN_SECONDS / 60 + 2
    assert all(len(taken) >= 2 for taken in results), [len(taken) for taken in results]  # both got some


def _redis():
    import redis

    client = redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_RATEBUDGET_REDIS_URL)")
    return client


def test_two_processes_share_one_budget_in_redis():
    client = _redis()
    cluster = f"test-budget-{secrets.token_hex(4)}"
    try:
        _assert_one_budget(
            _takers(REDIS_URL=REDIS_URL, Q_CLUSTER_NAME=cluster, DATABASE_URL="sqlite:///nowhere/none.sqlite3")
        )
        assert client.exists(ratebudget.redis_key(cluster))  # the schedule was there
    finally:
        client.delete(ratebudget.redis_key(cluster))


def test_two_processes_share_one_budget_in_the_database(transactional_db):
    _assert_one_budget(_takers(DATABASE_URL=_database_url()))
