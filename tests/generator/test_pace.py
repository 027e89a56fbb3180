"""A book at Gemini's pace: a book alone on its host uses the host's call
slots (the plan with the cover, then all twelve line arts at once), every
line-art call carries the cover as the child's reference, and books running
together split the slots fairly (generator/hostlimits.py HostShare).

Through the real SDK against the fake Gemini server, which can hold its
answers until a number of requests are in flight together: what a client
sends at once shows in what the fake saw, whatever the machine's speed."""

import hashlib
import os
import threading

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from generator import hostlimits, lanes, tasks
from generator.models import Job, JobStatus
from orders.models import Order, OrderStatus
from tests.fakes.gemini import COLORING, COVER, LINE_ART, PLAN

pytestmark = pytest.mark.django_db


def _reference_sha256(cover: str) -> str:
    """The cover as sent for reference: scaled to REFERENCE_PIXELS at most."""
    from generator.providers.gemini import reference_image

    with default_storage.open(cover, "rb") as stored:
        return hashlib.sha256(reference_image(stored.read(), settings.BOOK_IMAGE_SIZE)).hexdigest()


@pytest.fixture
def held_gemini(fake_gemini, settings):
    """The fake answering a batch of calls only once twelve are in flight
    (or after 5 s): a client sending fewer at once waits 5 s a round."""
    settings.GEMINI_TIMEOUT = 60.0
    fake_gemini.hold(12, 5.0)
    return fake_gemini


def test_a_book_alone_sends_its_plan_with_its_cover_then_its_twelve_line_arts_at_once(paid_order, held_gemini):
    order = paid_order(child_name="Mia")
    assert tasks.job_run_next().startswith("job")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED

    (plan,), (cover,) = held_gemini.calls(PLAN), held_gemini.calls(COVER)
    # The cover does not need the plan: both were in flight together.
    assert PLAN in cover.alongside or COVER in plan.alongside
    # Every line art went out together (six calls a book made five rounds).
    assert held_gemini.most_in_flight == 12
    line_arts = held_gemini.calls(LINE_ART)
    assert len(line_arts) == 12 and max(len(seen.alongside) for seen in line_arts) == 11
    # So the book's calls took three rounds one after another: plan and
    # cover, the line arts, the colorings (each coloring after its line art).
    assert all(COLORING not in seen.alongside and PLAN not in seen.alongside for seen in line_arts)
    job = Job.objects.get(order=order)
    assert (job.api_calls, job.api_retries) == (26, 0)


def test_every_line_art_call_carries_the_books_cover_as_the_childs_reference(paid_order, fake_gemini):
    order = paid_order(child_name="Mia")
    tasks.job_run_next()
    job = Job.objects.get(order=order)
    assert job.status == JobStatus.DONE
    line_arts = fake_gemini.calls(LINE_ART)
    assert len(line_arts) == 12
    # All twelve, not those that started after the first line art came back.
    assert [seen.has_image for seen in line_arts] == [True] * 12
    assert {seen.image_sha256 for seen in line_arts} == {_reference_sha256(job.cover.name)}
    assert all("Keep the same child and hero design" in seen.prompt for seen in line_arts)


def test_a_preview_and_the_book_bought_from_it_draw_from_the_same_cover(
    client, fake_gemini, django_capture_on_commit_callbacks
):
    from tests.orders.test_previews import ORDER_FORM, ask_preview

    preview = ask_preview(client)
    lanes.preview_run_next()
    client.post("/order/", {**ORDER_FORM, "preview": preview.token})
    order = Order.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.token}/demo-checkout/")
    order.refresh_from_db()
    assert tasks.job_run_next() == f"job {order.job_id}"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    job = Job.objects.get()
    line_arts = fake_gemini.calls(LINE_ART)
    assert len(line_arts) == 12 and len(fake_gemini.calls(COVER)) == 1
    assert {seen.image_sha256 for seen in line_arts} == {_reference_sha256(job.cover.name)}


def test_a_failed_cover_lets_the_line_art_go_without_it(paid_order, fake_gemini, settings):
    settings.JOB_MAX_ATTEMPTS = 1
    fake_gemini.block("cover picture", kind=COVER, how="image")
    fake_gemini.block("picture-book illustration", kind=COVER, how="image")
    order = paid_order()
    tasks.job_run_next()
    job = Job.objects.get(order=order)
    # The cover was refused for good; every page was still drawn meanwhile.
    assert job.status == JobStatus.FAILED and "cover" in job.error
    assert job.pages.exclude(line_art="").exclude(colored="").count() == 12
    line_arts = fake_gemini.calls(LINE_ART)
    assert len(line_arts) == 12 and not line_arts[0].has_image


# Sharing the host's slots ---------------------------------------------------


def test_a_book_alone_may_have_every_slot_and_books_together_split_them_fairly():
    assert hostlimits.fair_share(13, 12, []) == 12
    assert hostlimits.fair_share(13, 12, [12]) == 7  # each about half
    assert hostlimits.fair_share(13, 12, [12, 12]) == 5
    assert hostlimits.fair_share(13, 12, [1]) == 12  # a preview's one call leaves the rest
    assert hostlimits.fair_share(13, 12, [2, 2]) == 9
    assert hostlimits.fair_share(13, 1, [12]) == 1
    assert hostlimits.fair_share(6, 12, [12, 12, 12]) == 2
    assert hostlimits.fair_share(2, 12, [12, 12, 12]) == 1  # never zero for a book that wants a call
    assert hostlimits.fair_share(13, 0, [12]) == 0


def test_shares_are_seen_across_books_and_a_dead_books_share_is_dropped(settings, tmp_path):
    settings.HOST_LOCK_DIR = tmp_path
    with hostlimits.HostShare(13) as first:
        assert first.allowance(12) == 12
        with hostlimits.HostShare(13) as second:
            assert second.allowance(12) == 7 and first.allowance(12) == 7
            second.want(1)
            assert first.allowance(12) == 12
        assert first.allowance(12) == 12  # the second book ended
        # A book whose process died leaves its file unlocked: not counted, deleted.
        dead = tmp_path / "shares" / "999999-1.want"
        dead.write_text("000012")
        assert first.allowance(12) == 12 and not dead.exists()
    assert not list((tmp_path / "shares").glob("*.want"))


def test_a_share_in_another_thread_counts_as_another_book(settings, tmp_path):
    settings.HOST_LOCK_DIR = tmp_path
    registered, release = threading.Event(), threading.Event()

    def other_book():
        with hostlimits.HostShare(13) as share:
            share.want(12)
            registered.set()
            release.wait(10)

    thread = threading.Thread(target=other_book)
    thread.start()
    try:
        assert registered.wait(10)
        with hostlimits.HostShare(13) as mine:
            assert mine.allowance(12) == 7
    finally:
        release.set()
        thread.join(10)
    assert os.listdir(tmp_path / "shares") == []
