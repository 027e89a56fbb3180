"""The job table is the truth: claims in order, a dead worker's job taken
over, attempts bounded, nothing drawn twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_q.models import OrmQ

from generator import queue, services, tasks
from generator.models import Job, JobStatus, Page
from orders.models import OrderStatus

pytestmark = pytest.mark.django_db


def test_payment_queues_a_task_only_after_commit(make_order, django_capture_on_commit_callbacks):
    from orders import services as order_services

    order = make_order()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_services.order_fulfill(token=order.token, amount_cents=999, currency="usd")
        assert OrmQ.objects.count() == 0
    assert OrmQ.objects.count() == 0
    for callback in callbacks:
        callback()
    assert OrmQ.objects.count() == 1


def test_jobs_are_claimed_oldest_first(paid_order):
    orders = [paid_order(email=f"p{i}@example.com") for i in range(3)]
    claimed = [queue.job_claim_next(worker="test:1") for _ in range(3)]
    assert [job.order.pk for job in claimed] == [order.pk for order in orders]
    assert queue.job_claim_next(worker="test:1") is None
    for job in claimed:
        job.order.refresh_from_db()
        assert job.order.status == OrderStatus.GENERATING


def test_a_running_job_is_not_claimed_twice_until_its_heartbeat_is_stale(paid_order, settings):
    paid_order()
    job = queue.job_claim_next(worker="host-a:1")
    assert queue.job_claim_next(worker="host-b:2") is None
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    )
    again = queue.job_claim_next(worker="host-b:2")
    assert again.pk == job.pk
    assert again.attempts == 2
    assert again.worker == "host-b:2"


def test_a_job_that_keeps_killing_its_worker_fails_after_its_attempts(paid_order, settings):
    order = paid_order()
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    for attempt in range(1, settings.JOB_MAX_ATTEMPTS + 1):
        job = queue.job_claim_next(worker=f"host:{attempt}")
        assert job.attempts == attempt
        Job.objects.filter(pk=job.pk).update(heartbeat_at=stale)  # the worker died
    assert queue.job_claim_next(worker="host:99") is None
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "stopped" in job.error
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert order.problem == job.error


def test_a_dead_local_worker_is_released_at_once(paid_order):
    import subprocess
    import sys

    paid_order()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = queue.job_claim_next(worker=f"{queue.socket.gethostname()}:{dead.pid}")
    assert queue.job_claim_next(worker="other:1") is None
    assert queue.jobs_orphans_release() == 1
    assert queue.job_claim_next(worker="other:1").pk == job.pk


def test_a_live_worker_is_not_released(paid_order):
    paid_order()
    queue.job_claim_next(worker=queue.worker_name())
    assert queue.jobs_orphans_release() == 0


def test_a_dead_worker_processs_lanes_are_released_and_a_live_ones_are_not(paid_order):
    import subprocess
    import sys

    for number in range(3):
        paid_order(email=f"p{number}@example.com")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = queue.socket.gethostname()
    first = queue.job_claim_next(worker=f"{host}:{dead.pid}:book-1")
    second = queue.job_claim_next(worker=f"{host}:{dead.pid}:book-2")
    queue.job_claim_next(worker=queue.worker_name(lane="book-1"))
    assert queue.worker_process(first.worker) == f"{host}:{dead.pid}"
    assert queue.jobs_orphans_release() == 2
    assert {queue.job_claim_next(worker="other:1").pk for _ in range(2)} == {first.pk, second.pk}


def test_an_interrupted_job_resumes_without_redrawing_stored_pages(paid_order, settings, monkeypatch, outbox_flush):
    from generator.providers import offline

    order = paid_order()
    calls: list[tuple[str, int]] = []
    real_draw, real_color = offline.OfflineProvider.draw_line_art, offline.OfflineProvider.color_page

    def draw(self, brief, scene, index):
        calls.append(("line", index))
        if index == 7:
            raise RuntimeError("worker crashed")
        return real_draw(self, brief, scene, index)

    def color(self, brief, scene, index, line_art):
        calls.append(("color", index))
        return real_color(self, brief, scene, index, line_art)

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", draw)
    monkeypatch.setattr(offline.OfflineProvider, "color_page", color)
    settings.GENERATION_CONCURRENCY = 2
    assert tasks.job_run_next().startswith("job")
    job = Job.objects.get()
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
    assert "worker crashed" in job.error
    done_before = {(kind, p.index) for p in Page.objects.all() for kind in ("line_art", "colored") if getattr(p, kind)}
    assert 0 < len(done_before) < 24
    assert ("line_art", 7) not in done_before

    monkeypatch.setattr(
        offline.OfflineProvider, "draw_line_art", lambda *a: (calls.append(("line", a[3])), real_draw(*a))[1]
    )
    calls.clear()
    assert tasks.job_run_next().startswith("job")
    redrawn = {("line_art" if kind == "line" else "colored", index) for kind, index in calls}
    assert not done_before & redrawn
    assert len(redrawn) == len(calls) == 24 - len(done_before)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    outbox_flush()
    assert len([m for m in mail.outbox if m.attachments]) == 1


def test_a_provider_failure_requeues_then_fails_for_good(paid_order, settings, monkeypatch):
    from generator.providers import ProviderError, offline

    order = paid_order()

    def refuse(self, brief, scene, index):
        raise ProviderError("service unavailable")

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", refuse)
    for attempt in range(1, settings.JOB_MAX_ATTEMPTS):
        tasks.job_run_next()
        job = Job.objects.get()
        assert (job.status, job.attempts) == (JobStatus.QUEUED, attempt)
        assert "service unavailable" in job.error
    tasks.job_run_next()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert "service unavailable" in Page.objects.first().error

    # Staff retry resumes with fresh attempts.
    monkeypatch.undo()
    assert services.job_retry(job=job)
    assert tasks.job_run_next().startswith("job")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_sweep_queues_tasks_for_jobs_without_one(paid_order):
    paid_order()
    paid_order(email="b@example.com")
    OrmQ.objects.all().delete()  # tasks lost (broker flushed, crash before enqueue)
    result = queue.jobs_sweep()
    assert result["tasks_queued"] == 2
    assert OrmQ.objects.count() == 2
    assert queue.jobs_sweep()["tasks_queued"] == 0


def test_one_structured_log_line_when_each_job_starts_and_ends(paid_order, caplog):
    import json
    import logging

    first, second = paid_order(), paid_order(email="b@example.com")
    with caplog.at_level(logging.INFO, logger="generator.pipeline"):
        tasks.job_run_next()
    events = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith("{")]
    assert [event["event"] for event in events] == ["job_started", "job_ended"]
    started, ended = events
    first.refresh_from_db()
    assert started["job"] == first.job_id
    assert started["queue_size"] == 2
    assert started["current_jobs"] == [first.job.pk]
    assert started["jobs_waiting"] == [second.job.pk]
    assert ended["outcome"] == "done"
    assert ended["jobs_waiting"] == [second.job.pk]
    assert ended["peak_rss_mb"] > 0


def test_a_pages_coloring_starts_as_soon_as_its_line_art_exists(paid_order, settings, monkeypatch):
    """Pipelining: with two calls in flight, page 1 is being colored long
    before the last page's line art is asked for."""
    import threading

    from generator.providers import offline

    settings.GENERATION_CONCURRENCY = 2
    paid_order()
    calls: list[tuple[str, int]] = []
    in_flight, most = [0], [0]
    lock = threading.Lock()
    real_draw, real_color = offline.OfflineProvider.draw_line_art, offline.OfflineProvider.color_page

    def track(kind, real):
        def call(self, brief, scene, index, *rest):
            with lock:
                calls.append((kind, index))
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            try:
                return real(self, brief, scene, index, *rest)
            finally:
                with lock:
                    in_flight[0] -= 1

        return call

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", track("line", real_draw))
    monkeypatch.setattr(offline.OfflineProvider, "color_page", track("color", real_color))
    tasks.job_run_next()
    assert len(calls) == 24
    assert calls.index(("color", 0)) < calls.index(("line", 11))
    assert most[0] <= 2
