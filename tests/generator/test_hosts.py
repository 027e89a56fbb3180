"""Two worker hosts on PostgreSQL and Redis sharing one queue, one killed in
the middle of a book.

Each host is a `manage.py qcluster` process tree with its own WORKER_HOST,
HOST_LOCK_DIR and BOOK_WORKERS, both on the same Redis queue and the same
database, drawing with the Gemini provider against the fake Gemini server
(which records every call, so a page drawn twice would show). Host A starts
a book; host B starts, takes the second order, and has a worker free. A is
killed with SIGKILL, its whole process tree, as a machine dies. B takes A's
book over once its heartbeat is JOB_STALE_SECONDS old, draws only what A had
not stored, and every order is delivered with one delivery email.

Runs only on PostgreSQL with a Redis (CI: REQUIRE_REDIS makes a missing
Redis fail instead of skipping)."""

import re
import secrets
import signal
import time
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from generator.models import Job, JobStatus, Page, WorkerHeartbeat
from orders.models import OrderStatus
from tests.conftest import wait_until
from tests.fakes.gemini import ACTIVITIES, COVER
from tests.generator.test_worker import DELIVERY_SUBJECT, _redis_url, all_delivered

pytestmark = pytest.mark.worker

STALE = 8  # JOB_STALE_SECONDS for the test
CONCURRENCY = 2


@pytest.fixture
def shared_redis():
    if connection.vendor != "postgresql":
        pytest.skip("many hosts need PostgreSQL (set DATABASE_URL)")
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis reachable (set TEST_REDIS_URL)")
    import redis

    client = redis.from_url(url)
    name = f"hosts-{secrets.token_hex(4)}"
    yield url, name
    client.delete(*client.keys(f"django_q:{name}:*") or ["none"])


def _page_of(prompt: str, themes: list[str]) -> tuple[str, int]:
    """Which book (its theme) and which page (-1: the cover) a call draws."""
    theme = next(t for t in themes if t in prompt)
    index = next((i for i, activity in enumerate(ACTIVITIES) if activity in prompt), -1)
    return theme, index


def test_a_host_killed_mid_book_is_taken_over_by_another_without_redrawing(
    worker, paid_order, fake_gemini, shared_redis, tmp_path
):
    redis_url, queue_name = shared_redis
    fake_gemini.latency = 0.5
    common = {
        "REDIS_URL": redis_url,
        "Q_CLUSTER_NAME": queue_name,
        "GEMINI_API_KEY": fake_gemini.api_key,
        "GEMINI_BASE_URL": fake_gemini.url,
        "GEMINI_TIMEOUT": "5",
        "GENERATION_CONCURRENCY": str(CONCURRENCY),
        "JOB_STALE_SECONDS": str(STALE),
        "JOB_HEARTBEAT_SECONDS": "1",
        "SWEEP_SECONDS": "1",
        "OUTBOX_LEASE_SECONDS": "5",
    }
    themes = ["dinosaurs having a picnic", "robots at the seaside"]
    hosts = {
        name: worker(**common, WORKER_HOST=name, HOST_LOCK_DIR=str(tmp_path / f"locks-{name}"), BOOK_WORKERS="2")
        for name in ("host-a", "host-b")
    }
    for host in hosts.values():
        host.start()

    def both_up():
        close_old_connections()
        return all(WorkerHeartbeat.objects.filter(worker__startswith=f"{name}:").exists() for name in hosts)

    wait_until(both_up, timeout=90, what="both hosts up")
    first = paid_order(email="a@example.com", theme=themes[0])
    second = paid_order(email="b@example.com", theme=themes[1])

    def one_midway():
        close_old_connections()
        return Job.objects.filter(status=JobStatus.RUNNING, images_done__gte=6).first()

    midway = wait_until(one_midway, timeout=90, what="a book a quarter drawn")
    victim = midway.worker.split(":")[0]
    survivor = next(name for name in hosts if name != victim)
    hosts[victim].kill(signal.SIGKILL)
    killed_at = time.monotonic()
    close_old_connections()
    orphans = list(Job.objects.filter(status=JobStatus.RUNNING, worker__startswith=f"{victim}:"))
    assert midway.pk in [job.pk for job in orphans]
    theme_of = {first.job_id: themes[0], second.job_id: themes[1]}
    stored = set()
    for job in orphans:
        for page in Page.objects.filter(job=job):
            stored |= {(theme_of[job.pk], page.index, kind) for kind in ("line_art", "colored") if getattr(page, kind)}
        if job.cover:
            stored.add((theme_of[job.pk], -1, COVER))
    assert stored and len(stored) < 25 * len(orphans)

    def taken_over():
        close_old_connections()
        return Job.objects.filter(pk__in=[job.pk for job in orphans], worker__startswith=f"{survivor}:").count() == len(
            orphans
        )

    wait_until(taken_over, timeout=STALE + 30, what=f"{survivor} taking the books over")
    takeover = time.monotonic() - killed_at
    print(f"{len(orphans)} book(s) taken over {takeover:.1f} s after the kill (JOB_STALE_SECONDS={STALE})")
    assert takeover <= STALE + 10
    host_b = hosts[survivor]

    wait_until(all_delivered([first, second]), timeout=120, what="both books")
    for job in orphans:
        job.refresh_from_db()
        assert job.attempts == 2 and job.status == JobStatus.DONE

    # One delivery email per order, and no more a few outbox polls later.
    def deliveries() -> Counter:
        return Counter(
            address
            for text in host_b.emails()
            if DELIVERY_SUBJECT in text
            for address in re.findall(r"^To: (\S+)$", text, flags=re.MULTILINE)
        )

    wait_until(lambda: sum(deliveries().values()) >= 2, timeout=20, what="two delivery emails")
    time.sleep(3)
    assert deliveries() == {"a@example.com": 1, "b@example.com": 1}
    for order in (first, second):
        order.refresh_from_db()
        assert order.status == OrderStatus.DELIVERED

    # No stored image was drawn again; only the calls in flight at the kill
    # (at most GENERATION_CONCURRENCY for each book the dead host held) were
    # paid twice.
    drawn = Counter()
    after_kill = set()
    for seen in fake_gemini.calls(answer="ok"):
        if seen.kind == "plan":
            continue
        theme, index = _page_of(seen.prompt, themes)
        kind = {"line_art": "line_art", "coloring": "colored", COVER: COVER}[seen.kind]
        drawn[(theme, index, kind)] += 1
        if seen.at > killed_at - 0.5:
            after_kill.add((theme, index, kind))
    assert not stored & {key for key in after_kill if drawn[key] > 1}
    twice = [key for key, count in drawn.items() if count > 1]
    assert len(twice) <= CONCURRENCY * len(orphans), twice
    assert all(count <= 2 for count in drawn.values())
    # Both books whole: 12 pages of line art and coloring, and a cover, each.
    assert len(drawn) == 2 * 25
