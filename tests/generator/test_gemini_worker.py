"""Whole books through a real django-q2 worker drawing with the gemini
provider against the fake Gemini server: a first image model Google shut
down (404 NOT_FOUND) and a per-day quota that runs out midway."""

import time

import pytest
from django.db import close_old_connections

from generator import models
from generator.models import Job, JobStatus
from tests.conftest import wait_until
from tests.fakes.gemini import DAILY_429
from tests.generator.test_worker import all_delivered

pytestmark = pytest.mark.worker

OLD, NEW = "gemini-old-image", "gemini-new-image"


def _gemini_env(fake, **env: str) -> dict:
    return {
        "GEMINI_API_KEY": fake.api_key,
        "GEMINI_BASE_URL": fake.url,
        "GEMINI_TIMEOUT": "30",
        "BOOK_POLL_SECONDS": "0.2",
        **env,
    }


def test_a_book_whose_first_image_model_is_gone_is_delivered_by_the_next_with_one_wasted_call(
    worker, paid_order, fake_gemini
):
    fake_gemini.retire_model(OLD)
    w = worker(**_gemini_env(fake_gemini, GEMINI_IMAGE_MODEL=f"{OLD},{NEW}")).start()
    order = paid_order()

    wait_until(all_delivered([order]), timeout=120, what="the book, drawn by the next model")
    images = [seen for seen in fake_gemini.calls() if seen.model in (OLD, NEW)]
    assert [seen.answer for seen in images if seen.model == OLD] == ["404"]  # twelve calls in flight, one paid for
    assert len([seen for seen in images if seen.model == NEW and seen.answer == "ok"]) == 25
    close_old_connections()
    job = Job.objects.get()
    assert job.attempts == 1 and job.api_calls == len(fake_gemini.calls())
    assert models.RetiredModel.objects.get().name == OLD
    assert w.process.poll() is None


def test_a_per_day_quota_pauses_the_book_without_a_call_and_it_resumes_after_the_reset(worker, paid_order, fake_gemini):
    fake_gemini.daily_limit = 6  # the plan, the cover and four images
    # One call at a time, so exactly one call meets the spent quota.
    worker(**_gemini_env(fake_gemini, GENERATION_CONCURRENCY="1")).start()
    order = paid_order()

    def paused() -> Job | None:
        close_old_connections()
        job = Job.objects.filter(status=JobStatus.QUEUED, error__contains="daily quota").first()
        return job if job is not None and models.QuotaPause.objects.exists() else None

    job = wait_until(paused, timeout=90, what="the book paused by the quota")
    assert [seen.answer for seen in fake_gemini.calls()].count(DAILY_429) == 1
    assert job.attempts == 0  # given back
    assert job.images_done == 4  # what was drawn stays stored
    pause = models.QuotaPause.objects.get()
    assert pause.resumes_at > time.time() + 60  # midnight Pacific, not the 47 s Google's RetryInfo says

    # While paused the lanes claim nothing and make no call.
    spent = len(fake_gemini.calls())
    time.sleep(1.5)  # several lane polls (BOOK_POLL_SECONDS=0.2)
    close_old_connections()
    job.refresh_from_db()
    assert (job.status, len(fake_gemini.calls())) == (JobStatus.QUEUED, spent)

    # Midnight Pacific: Google's quota is whole again and the pause ends.
    fake_gemini.daily_limit = None
    models.QuotaPause.objects.update(resumes_at=time.time() - 1)

    wait_until(all_delivered([order]), timeout=120, what="the book after the reset")
    job.refresh_from_db()
    assert job.attempts == 1
    answered = [(seen.kind, seen.prompt) for seen in fake_gemini.calls(answer="ok")]
    assert len(answered) == len(set(answered)) == 26  # nothing drawn twice
    assert [seen.answer for seen in fake_gemini.calls()].count(DAILY_429) == 1
