"""The day's spend cap on previews holds when requests arrive together (on
PostgreSQL too, where nothing else makes two requests wait for each other):
a new preview and a redraw each reserve their image calls before they are
made, under one lock, and a draw counts what it may cost until it is
finished. Real threads, each in its own transaction on its own connection."""

import math
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from generator import lanes
from generator import services as generator_services
from generator.models import Job, JobStatus
from orders import previews
from orders.models import Preview
from tests.conftest import ORDER_FORM
from tests.fakes.gemini import COLORING, COVER, LINE_ART

pytestmark = pytest.mark.django_db(transaction=True)

BRIEF = {name: value for name, value in ORDER_FORM.items() if name != "email"}
ESTIMATE_CENTS = 10
PREVIEW_CENTS = previews.PREVIEW_IMAGE_CALLS * ESTIMATE_CENTS
REDRAW_CENTS = 2 * ESTIMATE_CENTS  # another scene: its line art and its coloring


def ask(number: int) -> Preview:
    """A preview from a visitor of its own (address and email)."""
    return previews.preview_create(email=f"parent{number}@example.com", client_ip=f"203.0.113.{number}", **BRIEF)


def all_at_once(count: int, action: Callable[[int], object]) -> list[str]:
    """Run action(0..count-1) in `count` threads let go together: what each
    came to ("admitted", "paused" with the reason, or an error)."""
    start = threading.Barrier(count)
    outcomes: list[str] = [""] * count

    def run(number: int) -> None:
        try:
            start.wait()
            try:
                action(number)
                outcomes[number] = "admitted"
            except previews.PreviewsPaused as exc:
                outcomes[number] = f"paused: {exc}"
            except Exception as exc:  # reported by the test's assertions
                outcomes[number] = f"error: {exc!r}"
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)  # only catches a stuck thread
    return outcomes


def test_sixteen_previews_at_once_from_sixteen_visitors_admit_what_the_cap_holds(fake_gemini, settings):
    settings.GEMINI_CALL_ESTIMATE_CENTS = ESTIMATE_CENTS
    settings.PREVIEW_DAILY_SPEND_CENTS = 5 * PREVIEW_CENTS

    outcomes = all_at_once(16, lambda number: ask(number + 1))

    assert not [outcome for outcome in outcomes if outcome.startswith("error")], outcomes
    assert outcomes.count("admitted") == 5 == Preview.objects.count(), outcomes
    assert previews.previews_spend_today_cents() == settings.PREVIEW_DAILY_SPEND_CENTS
    assert previews.previews_paused()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time: the second request waits at BEGIN IMMEDIATE, before reading",
)
def test_a_preview_asked_while_another_is_let_through_reads_the_spend_after_it(fake_gemini, settings, monkeypatch):
    settings.GEMINI_CALL_ESTIMATE_CENTS = ESTIMATE_CENTS
    settings.PREVIEW_DAILY_SPEND_CENTS = PREVIEW_CENTS  # room for one
    # The first request stops after its checks, before its preview is written.
    checked, go_on = threading.Event(), threading.Event()
    job_create = generator_services.preview_create

    def held_job_create(**brief) -> Job:
        if threading.current_thread().name == "first":
            checked.set()
            go_on.wait(timeout=60)
        return job_create(**brief)

    monkeypatch.setattr(generator_services, "preview_create", held_job_create)
    outcomes: dict[str, str] = {}

    def run(number: int) -> None:
        try:
            ask(number)
            outcomes[threading.current_thread().name] = "admitted"
        except previews.PreviewsPaused:
            outcomes[threading.current_thread().name] = "paused"
        finally:
            connection.close()

    first = threading.Thread(target=run, args=(1,), name="first")
    first.start()
    assert checked.wait(timeout=60)
    second = threading.Thread(target=run, args=(2,), name="second")
    second.start()
    # The second one finishes, or waits for a lock the first one holds.
    deadline = time.monotonic() + 60
    while second.is_alive() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
        time.sleep(0.01)
    go_on.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert outcomes == {"first": "admitted", "second": "paused"}


def test_a_preview_being_drawn_counts_its_image_calls_until_they_are_billed(fake_gemini, settings, monkeypatch):
    settings.GEMINI_CALL_ESTIMATE_CENTS = ESTIMATE_CENTS
    ask(1)
    spend_seen: list[float] = []
    arrive = fake_gemini._arrive

    def look_then_arrive(seen) -> None:
        # What the shop counts while this image call is out: the lane has
        # the preview, and part of it (or none) is billed.
        if seen.kind in (COVER, LINE_ART, COLORING):
            try:
                spend_seen.append(previews.previews_spend_today_cents())
            finally:
                connection.close()
        arrive(seen)

    monkeypatch.setattr(fake_gemini, "_arrive", look_then_arrive)
    assert lanes.preview_run_next().startswith("preview ")

    job = Job.objects.get()
    assert job.status == JobStatus.DONE and len(spend_seen) == 3
    assert min(spend_seen) >= PREVIEW_CENTS, spend_seen
    # Drawn: what Google billed, whatever the estimate was.
    assert previews.previews_spend_today_cents() == job.cost_micros / 10_000


def test_redraws_at_once_reserve_their_calls_and_are_refused_past_the_cap(fake_gemini, settings, client):
    settings.GEMINI_CALL_ESTIMATE_CENTS = ESTIMATE_CENTS
    made = [ask(number) for number in range(1, 5)]
    for _ in made:
        lanes.preview_run_next()
    billed = previews.previews_spend_today_cents()
    # Room for two redraws, not three.
    settings.PREVIEW_DAILY_SPEND_CENTS = math.floor(billed) + 2 * REDRAW_CENTS + 5

    outcomes = all_at_once(4, lambda number: previews.preview_redraw(preview=made[number]))

    assert outcomes.count("admitted") == 2, outcomes
    refused = [outcome for outcome in outcomes if outcome != "admitted"]
    assert all("can't draw another scene" in outcome for outcome in refused), outcomes
    assert sum(Job.objects.values_list("preview_scene", flat=True)) == 2

    # While those two are drawn: no other redraw, no new preview, and the
    # visitor is told why (in French too).
    waiting = Preview.objects.filter(job__preview_scene=0).first()
    response = client.post(f"/previews/{waiting.token}/redraw/")
    assert response.status_code == 409 and "can&#x27;t draw another scene" in response.content.decode()
    response = client.post(f"/previews/{waiting.token}/redraw/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 409 and "dessiner une autre scène" in response.content.decode()
    with pytest.raises(previews.PreviewsPaused):
        ask(9)

    while lanes.preview_run_next().startswith("preview "):
        pass
    assert Job.objects.filter(status=JobStatus.DONE).count() == 4
    # Drawn, they count what Google billed: within the cap.
    assert previews.previews_spend_today_cents() <= settings.PREVIEW_DAILY_SPEND_CENTS
