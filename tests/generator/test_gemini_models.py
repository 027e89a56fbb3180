"""Models come and go, quotas run out: the gemini provider through the real
google-genai SDK against the fake Gemini server (tests/fakes/gemini.py),
which answers as Google does for a shut-down model (404 NOT_FOUND), a spent
per-day quota (429 with a PerDay QuotaFailure) and an image asked on /v1."""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from google.genai import errors

from generator import selectors, tasks
from generator.geministate import STATE, daily_quota_reset, model_names
from generator.models import Job, JobStatus, QuotaPause, RetiredModel
from generator.providers import Brief, QuotaPaused, Usage, provider_get
from generator.providers.gemini import (
    DAILY_QUOTA,
    PERMANENT,
    RETIRED,
    RETRYABLE,
    GeminiRejected,
    api_error_verdict,
)
from orders.models import OrderStatus
from tests.conftest import ROOT
from tests.fakes.gemini import COLORING, COVER, CUT_BODY, DAILY_429, LINE_ART, PLAN

pytestmark = pytest.mark.django_db

OLD, NEW = "gemini-old-image", "gemini-new-image"


@pytest.fixture(autouse=True)
def _patient_client(settings, fake_gemini, monkeypatch):
    """No test here makes the fake hang: generous waits keep a busy
    machine's slow answer from counting as a retry, or the first call's
    NOT_FOUND from coming after the other calls stopped waiting for it."""
    from generator import geministate

    settings.GEMINI_TIMEOUT = 30.0
    monkeypatch.setattr(geministate, "PROBE_WAIT_SECONDS", 30.0)


def _brief(**fields) -> Brief:
    values = {"theme": "dinosaurs", "child_name": "", "age_group": "kids", "seed": "seed", "size": 256}
    values.update(fields)
    return Brief(**values)


def _models(fake, kind=None) -> list[str]:
    return [seen.model for seen in fake.calls(kind)]


# Settings ---------------------------------------------------------------------


def _settings_in_a_process(**env: str) -> dict:
    """The Gemini settings as a fresh process reads them from `env`."""
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ('GEMINI_TEXT_MODEL', 'GEMINI_IMAGE_MODEL', "
        "'GEMINI_COLOR_MODEL', 'GEMINI_API_VERSION')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_model_settings_are_ordered_lists_and_one_name_still_works():
    read = _settings_in_a_process(
        GEMINI_IMAGE_MODEL=" gemini-a , gemini-b,gemini-a,", GEMINI_TEXT_MODEL="gemini-lite", GEMINI_COLOR_MODEL=""
    )
    assert read["GEMINI_IMAGE_MODEL"] == ["gemini-a", "gemini-b", "gemini-a"]  # in order, as written
    assert model_names(read["GEMINI_IMAGE_MODEL"]) == ["gemini-a", "gemini-b"]
    assert read["GEMINI_TEXT_MODEL"] == ["gemini-lite"]
    assert read["GEMINI_COLOR_MODEL"] == []  # the image list colors
    # A list the provider reads whether it came as text or as a list.
    assert model_names("gemini-a, gemini-b") == model_names(["gemini-a", " gemini-b "]) == ["gemini-a", "gemini-b"]


def test_the_defaults_start_with_googles_current_ga_image_model_and_name_the_api_version():
    read = _settings_in_a_process()
    # Google's changelog, 2026-10-06: Nano Banana 2.1 GA; 3.1 Flash Image
    # deprecated for it (kept behind it until it shuts down).
    assert model_names(read["GEMINI_IMAGE_MODEL"])[:2] == ["gemini-nano-banana-2.1", "gemini-3.1-flash-image"]
    assert all("preview" not in name for name in model_names(read["GEMINI_TEXT_MODEL"]))
    assert read["GEMINI_API_VERSION"] == "v1beta"


def test_the_default_api_version_serves_image_output(fake_gemini, settings):
    """google-genai 3.6.1 calls /v1 unless told; v1 has no image output."""
    provider = provider_get("gemini")
    provider.draw_line_art(_brief(), "a dragon flies a kite", 0)
    assert [(seen.version, seen.answer) for seen in fake_gemini.calls()] == [("v1beta", "ok")]

    settings.GEMINI_API_VERSION = "v1"
    with pytest.raises(GeminiRejected, match="GEMINI_API_VERSION=v1beta"):
        provider_get("gemini").draw_line_art(_brief(), "a dragon flies a kite", 0)


def test_an_answer_cut_short_is_asked_again(fake_gemini):
    """An HTTP 200 whose JSON is cut: the SDK raises a plain JSONDecodeError."""
    fake_gemini.fail_next(CUT_BODY)
    usage = Usage()
    assert provider_get("gemini", usage=usage).draw_line_art(_brief(), "a dragon", 0)
    assert [seen.answer for seen in fake_gemini.calls()] == [CUT_BODY, "ok"]
    assert (usage.calls, usage.retries) == (2, 1)


# What an error answer means --------------------------------------------------


def _error(code: int, status: str, message: str, details: list | None = None) -> errors.APIError:
    body = {"error": {"code": code, "message": message, "status": status, **({"details": details} if details else {})}}
    return errors.APIError(code, body)


HELP = {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"url": "https://ai.google.dev/gemini-api/docs"}]}


def _quota(*quota_ids: str, delay: str = "47s") -> list:
    dims = {"location": "global", "model": "gemini-nano-banana-2.1"}
    metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
    violations = [{"quotaMetric": metric, "quotaId": q, "quotaDimensions": dims} for q in quota_ids]
    return [
        HELP,
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": violations},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay},
    ]


EXCEEDED = "You exceeded your current quota, please check your plan and billing details."


def test_a_per_day_quota_is_told_from_a_per_minute_one():
    # As Google sent it (python-genai #2044): a per-day quota listed with the
    # per-minute ones, and a RetryInfo of 47 s that means nothing for it.
    daily = _error(
        429,
        "RESOURCE_EXHAUSTED",
        EXCEEDED,
        _quota(
            "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            "GenerateContentInputTokensPerModelPerMinute-FreeTier",
        ),
    )
    verdict = api_error_verdict(daily)
    assert (verdict.kind, verdict.quota_id) == (DAILY_QUOTA, "GenerateRequestsPerDayPerProjectPerModel-FreeTier")

    per_minute = _error(
        429, "RESOURCE_EXHAUSTED", EXCEEDED, _quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", delay="26s")
    )
    assert (api_error_verdict(per_minute).kind, api_error_verdict(per_minute).delay) == (RETRYABLE, 26.0)
    # No QuotaFailure at all (Google's tier-3 answer): a per-minute wait.
    assert api_error_verdict(_error(429, "RESOURCE_EXHAUSTED", EXCEEDED, [HELP])).kind == RETRYABLE
    # A token-per-day quota is per day too.
    tokens = _error(429, "RESOURCE_EXHAUSTED", EXCEEDED, _quota("GenerateContentInputTokensPerModelPerDay-PaidTier"))
    assert api_error_verdict(tokens).kind == DAILY_QUOTA


def test_a_model_google_no_longer_serves_is_told_from_other_refusals():
    gone = (
        "models/gemini-3.1-flash-image is not found for API version v1beta, or is not supported for "
        "generateContent. Call ListModels to see the list of available models and their supported methods."
    )
    assert api_error_verdict(_error(404, "NOT_FOUND", gone)).kind == RETIRED
    # Google's 2.5 models since 2026-09 for accounts that never used them.
    new_users = (
        "This model models/gemini-2.5-pro is no longer available to new users. Please update your code to use a "
        "newer model for the latest features and improvements."
    )
    assert api_error_verdict(_error(404, "NOT_FOUND", new_users)).kind == RETIRED
    no_images = "Model does not support the requested response modalities: image"
    assert api_error_verdict(_error(400, "INVALID_ARGUMENT", no_images)).kind == RETIRED
    # A model refusing an option the request sent is the request's fault: retiring
    # every model of the list for it would stop the shop for good.
    option = "Model does not support the requested image size: 8K"
    assert api_error_verdict(_error(400, "INVALID_ARGUMENT", option)).kind == PERMANENT
    # A bare 404 from a front end names no model: not a retirement.
    assert api_error_verdict(_error(404, "Not Found", "")).kind == RETRYABLE
    unknown = "Invalid JSON payload received. Unknown name \"imageConfig\" at 'generation_config': Cannot find field."
    assert api_error_verdict(_error(400, "INVALID_ARGUMENT", unknown)).kind == PERMANENT
    assert api_error_verdict(_error(403, "PERMISSION_DENIED", "API key not valid.")).kind == PERMANENT
    assert api_error_verdict(_error(503, "UNAVAILABLE", "The model is overloaded.")).kind == RETRYABLE


# Retired models ------------------------------------------------------------------


def test_a_retired_model_costs_one_call_and_the_same_request_goes_to_the_next(fake_gemini, settings):
    settings.GEMINI_IMAGE_MODEL = f"{OLD}, {NEW}"
    fake_gemini.retire_model(OLD)
    usage = Usage()
    provider = provider_get("gemini", usage=usage)

    # Four pages at once: one call finds OLD gone, the others wait for it.
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda i: provider.draw_line_art(_brief(), f"scene {i}", i), range(4)))
    assert all(pages)
    assert _models(fake_gemini).count(OLD) == 1
    assert _models(fake_gemini).count(NEW) == 4
    assert (usage.calls, usage.retries) == (5, 1)

    # Remembered shop-wide: written by the job's thread, for every host.
    STATE.flush()
    row = RetiredModel.objects.get()
    assert (row.name, row.setting) == (OLD, "GEMINI_IMAGE_MODEL")
    assert "404 NOT_FOUND" in row.reason and "is not found" in row.reason

    # Another job, and another process (this one's copy forgotten): no call to OLD.
    fake_gemini.forget()
    provider_get("gemini", usage=Usage()).draw_line_art(_brief(), "scene 5", 5)
    STATE.forget()
    provider_get("gemini", usage=Usage()).color_page(_brief(), "scene 5", 5, pages[0])
    assert _models(fake_gemini) == [NEW, NEW]


def test_a_model_un_retired_by_staff_is_asked_again(fake_gemini, settings):
    settings.GEMINI_IMAGE_MODEL = [OLD, NEW]
    RetiredModel.objects.create(name=OLD, retired_at=time.time(), reason="404 NOT_FOUND", setting="GEMINI_IMAGE_MODEL")
    provider_get("gemini").draw_line_art(_brief(), "scene", 0)
    assert _models(fake_gemini) == [NEW]

    RetiredModel.objects.filter(name=OLD).delete()
    fake_gemini.forget()
    provider_get("gemini").draw_line_art(_brief(), "scene", 0)
    assert _models(fake_gemini) == [OLD]


def test_when_every_model_of_a_list_is_retired_the_call_fails_for_good_naming_the_setting(fake_gemini, settings):
    settings.GEMINI_IMAGE_MODEL = f"{OLD},{NEW}"
    fake_gemini.retire_model(OLD, NEW)
    provider = provider_get("gemini")
    with pytest.raises(GeminiRejected) as refused:
        provider.draw_line_art(_brief(), "scene", 0)
    assert refused.value.permanent
    message = str(refused.value)
    assert "every model in GEMINI_IMAGE_MODEL is retired" in message
    assert OLD in message and NEW in message and "Set GEMINI_IMAGE_MODEL" in message
    assert _models(fake_gemini) == [OLD, NEW]
    # Known now: the next call fails at once, without paying for it.
    fake_gemini.forget()
    with pytest.raises(GeminiRejected):
        provider.draw_line_art(_brief(), "scene", 1)
    assert fake_gemini.calls() == []


def test_a_book_whose_first_text_and_image_models_are_gone_is_made_by_the_next_ones(paid_order, fake_gemini, settings):
    settings.GEMINI_TEXT_MODEL = "gemini-old-lite,gemini-new-lite"
    settings.GEMINI_IMAGE_MODEL = f"{OLD},{NEW}"
    fake_gemini.retire_model("gemini-old-lite", OLD)
    order = paid_order()

    tasks.job_run_next()

    order.refresh_from_db()
    job = Job.objects.get(order=order)
    assert order.status == OrderStatus.DELIVERED
    assert _models(fake_gemini, PLAN) == ["gemini-old-lite", "gemini-new-lite"]
    images = _models(fake_gemini, LINE_ART) + _models(fake_gemini, COLORING) + _models(fake_gemini, COVER)
    assert images.count(OLD) == 1 and images.count(NEW) == 25
    assert (job.api_calls, job.api_retries) == (28, 2)
    assert set(RetiredModel.objects.values_list("name", flat=True)) == {"gemini-old-lite", OLD}


# Quotas ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        # Winter, PST (UTC-8): 05:00 in Mountain View, the next midnight is 08:00 UTC.
        (datetime(2026, 12, 3, 13, 0, tzinfo=UTC), datetime(2026, 12, 4, 8, 0, tzinfo=UTC)),
        # Just before and at midnight PST.
        (datetime(2026, 12, 4, 7, 59, 59, tzinfo=UTC), datetime(2026, 12, 4, 8, 0, tzinfo=UTC)),
        (datetime(2026, 12, 4, 8, 0, tzinfo=UTC), datetime(2026, 12, 5, 8, 0, tzinfo=UTC)),
        # Summer, PDT (UTC-7): 23:30 on June 30 there.
        (datetime(2026, 7, 1, 6, 30, tzinfo=UTC), datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),
        # The night clocks go forward (March 8, 2026) and back (November 1).
        (datetime(2026, 3, 8, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 1, 8, 30, tzinfo=UTC), datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
    ],
)
def test_a_daily_quota_comes_back_at_midnight_pacific_time(now, reset):
    assert daily_quota_reset(now) == reset


def test_a_wait_of_hours_is_told_in_hours_in_both_languages():
    from django.utils import translation

    from orders.selectors import eta_text

    assert eta_text(5 * 3600 + 100) == "about 5 hours left"
    assert eta_text(3600) == "about 60 min left"
    with translation.override("fr"):
        assert eta_text(9 * 3600) == "encore environ 9 heures"


def test_a_per_day_quota_pauses_without_waiting_or_spending_another_call(fake_gemini):
    provider = provider_get("gemini", usage=Usage())
    fake_gemini.fail_next(DAILY_429)
    with pytest.raises(QuotaPaused, match="Gemini daily quota reached; books resume at"):
        provider.draw_line_art(_brief(), "scene", 0)
    assert [seen.answer for seen in fake_gemini.calls()] == [DAILY_429]
    # Every later call of the process stops before it is made.
    with pytest.raises(QuotaPaused):
        provider.color_page(_brief(), "scene", 0, b"")
    assert len(fake_gemini.calls()) == 1
    STATE.flush()
    pause = QuotaPause.objects.get()
    expected = daily_quota_reset(datetime.fromtimestamp(pause.paused_at, UTC)).timestamp()
    assert expected < pause.resumes_at <= expected + 120
    assert pause.quota_id == "GenerateRequestsPerDayPerProjectPerModel-FreeTier"


def test_a_per_minute_quota_keeps_waiting_as_retry_info_asks(fake_gemini):
    fake_gemini.retry_delay = "0.3s"
    fake_gemini.fail_next("429")
    usage = Usage()
    provider_get("gemini", usage=usage).draw_line_art(_brief(), "scene", 0)
    first, second = fake_gemini.calls()
    assert (first.answer, second.answer) == ("429", "ok")
    assert second.at - first.at >= 0.3
    assert (usage.calls, usage.retries) == (2, 1)
    assert not QuotaPause.objects.exists() and STATE.paused() is None


def test_a_book_paused_by_a_daily_quota_waits_for_the_reset_and_resumes_from_its_pages(paid_order, fake_gemini, client):
    fake_gemini.daily_limit = 8  # the plan, the cover and six images, then the quota is spent
    order = paid_order()

    tasks.job_run_next()

    job = Job.objects.get(order=order)
    order.refresh_from_db()
    assert job.status == JobStatus.QUEUED and order.status == OrderStatus.QUEUED
    assert job.attempts == 0  # given back: the quota is not the book's fault
    assert "Gemini daily quota reached" in job.error
    assert job.images_done >= 6
    assert not job.pages.exclude(error="").exists()  # pages waiting for the reset did not fail
    spent = len(fake_gemini.calls())
    assert len(fake_gemini.calls(answer=DAILY_429)) <= 6  # only the calls already in flight (GENERATION_CONCURRENCY)
    pause = QuotaPause.objects.get()
    assert pause.resumes_at > time.time() + 60

    # Paused: nothing is claimed, no call is made, and the parent's estimate
    # counts the wait until the reset.
    assert tasks.job_run_next() == "no job waiting"
    assert len(fake_gemini.calls()) == spent
    assert selectors.job_progress(job)["eta_seconds"] >= pause.resumes_at - time.time() - 5
    status = client.get(f"/orders/{order.token}/status.json").json()
    hours = round(status["eta_seconds"] / 3600)
    if hours >= 2:  # the reset is at least two hours away
        assert status["eta_text"] == f"about {hours} hours left"

    # Midnight Pacific: a new day's quota (enough for the book), and the pause is over.
    fake_gemini.daily_limit = 50
    fake_gemini.reset_daily_quota()
    QuotaPause.objects.update(resumes_at=time.time() - 1)
    assert tasks.job_run_next() == f"job {job.pk}"

    job.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and job.attempts == 1
    answered = [(seen.kind, seen.prompt) for seen in fake_gemini.calls(answer="ok")]
    assert len(answered) == len(set(answered)) == 26  # no page drawn twice


def test_staff_see_the_models_in_use_the_retired_ones_and_the_pause(fake_gemini, settings, admin_client, client):
    settings.GEMINI_IMAGE_MODEL = [OLD, NEW]
    RetiredModel.objects.create(
        name=OLD, retired_at=time.time(), reason="404 NOT_FOUND: models/x is not found", setting="GEMINI_IMAGE_MODEL"
    )
    resumes = daily_quota_reset(datetime.now(UTC))
    QuotaPause.objects.create(
        name="gemini", resumes_at=resumes.timestamp(), paused_at=time.time(), reason=f"{NEW}: PerDay"
    )
    message = f"Gemini daily quota reached; books resume at {resumes:%H:%M} UTC"

    health = admin_client.get("/healthz").json()["gemini"]
    assert health["models"]["image"] == {"setting": "GEMINI_IMAGE_MODEL", "models": [OLD, NEW], "in_use": NEW}
    assert health["models"]["color"]["in_use"] == NEW
    assert [item["name"] for item in health["retired"]] == [OLD]
    assert health["paused"]["message"] == message and message in health["alerts"]
    assert "gemini" not in client.get("/healthz").json()  # the public sees the status only

    page = admin_client.get("/admin/generator/job/dashboard/").content.decode()
    assert message in page and OLD in page and "404 NOT_FOUND" in page
    assert f"<strong>{NEW}</strong>" in page


def test_no_preview_is_offered_while_the_daily_quota_is_spent(fake_gemini):
    from orders import previews

    assert not previews.previews_paused()
    QuotaPause.objects.create(name="gemini", resumes_at=time.time() + 3600, paused_at=time.time(), reason="PerDay")
    assert previews.previews_paused()  # it would wait hours for the reset
    QuotaPause.objects.update(resumes_at=time.time() - 1)
    assert not previews.previews_paused()


def test_staff_un_retire_a_model_and_end_a_pause_in_the_admin(fake_gemini, admin_client):
    RetiredModel.objects.create(name=OLD, retired_at=time.time(), reason="404 NOT_FOUND", setting="GEMINI_IMAGE_MODEL")
    QuotaPause.objects.create(name="gemini", resumes_at=time.time() + 3600, paused_at=time.time(), reason="PerDay")
    assert OLD in admin_client.get("/admin/generator/retiredmodel/").content.decode()
    assert "Books resume at" in admin_client.get("/admin/generator/quotapause/").content.decode()

    admin_client.post(f"/admin/generator/retiredmodel/{OLD}/delete/", {"post": "yes"})
    admin_client.post("/admin/generator/quotapause/gemini/delete/", {"post": "yes"})
    assert not RetiredModel.objects.exists() and not QuotaPause.objects.exists()
