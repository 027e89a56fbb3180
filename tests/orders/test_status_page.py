"""The status page: an estimate learned from recent books (never "0 min"),
and thumbnails of the pages as they are drawn, behind the order's token."""

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from generator import queue, thumbnails
from generator.models import Job, JobStatus, Page
from generator.selectors import eta_seconds, queue_position
from orders import privacy


def made_books(*durations: tuple[float, float], overlapping: bool = False) -> None:
    """Finished books, each (seconds in all, of which render seconds), one
    after another (or all at the same time) in the last hours."""
    now = timezone.now()
    for i, (seconds, render) in enumerate(durations):
        start = now - timedelta(hours=1) if overlapping else now - timedelta(hours=len(durations) - i)
        Job.objects.create(
            theme="made before",
            queued_at=start,
            status=JobStatus.DONE,
            started_at=start,
            finished_at=start + timedelta(seconds=seconds),
            images_done=24,
            render_seconds=render,
        )


def running_job(paid_order, images_done: int) -> Job:
    order = paid_order()
    job = queue.job_claim_next(worker="w:1")
    assert job.pk == order.job.pk
    Job.objects.filter(pk=job.pk).update(images_done=images_done)
    job.refresh_from_db()
    return job


def test_a_running_book_learns_per_image_and_render_time(paid_order):
    # Drawing takes 120 s (5 s an image), rendering 30 s.
    made_books((150, 30), (150, 30), (150, 30))
    job = running_job(paid_order, images_done=12)
    assert eta_seconds(job, 0) == 12 * 5 + 30
    Job.objects.filter(pk=job.pk).update(images_done=24)
    job.refresh_from_db()
    # Every image drawn, the PDF not made yet: the render is what is left.
    assert eta_seconds(job, 0) == 30


def test_the_estimate_scales_with_recent_books(paid_order):
    made_books((480, 0), (480, 0))
    job = running_job(paid_order, images_done=0)
    slow = eta_seconds(job, 0)
    for done in Job.objects.filter(status=JobStatus.DONE):
        Job.objects.filter(pk=done.pk).update(finished_at=done.started_at + timedelta(seconds=48))
    fast = eta_seconds(job, 0)
    assert (slow, fast) == (480, 48)


def test_a_book_made_in_17_s_promises_well_under_a_minute(client, paid_order):
    made_books((17, 2))
    job = running_job(paid_order, images_done=4)
    assert 5 <= eta_seconds(job, 0) < 30
    order = job.order
    data = client.get(f"/orders/{order.token}/status.json").json()
    assert data["eta_text"] == "less than a minute left"
    body = client.get(f"/orders/{order.token}/").content.decode()
    assert "less than a minute left" in body
    assert "0 min" not in body


def test_queued_books_wait_for_the_work_ahead_never_zero(client, paid_order, settings):
    settings.BOOK_WORKERS = 2
    # Two workers, but the books were made one after another: one at a time.
    made_books((100, 4), (100, 4))
    running = running_job(paid_order, images_done=12)  # 48 + 4 s left
    first = paid_order(email="first@example.com")
    second = paid_order(email="second@example.com")
    assert eta_seconds(first.job, queue_position(first.job)) == 52 + 100
    assert eta_seconds(second.job, queue_position(second.job)) == 52 + 100 + 100
    # Made two at a time, the work ahead is shared by two.
    Job.objects.filter(status=JobStatus.DONE).update(started_at=running.started_at - timedelta(hours=1))
    for done in Job.objects.filter(status=JobStatus.DONE):
        Job.objects.filter(pk=done.pk).update(finished_at=done.started_at + timedelta(seconds=100))
    assert eta_seconds(second.job, queue_position(second.job)) == round((52 + 100) / 2 + 100)

    # A tiny book history never makes the estimate 0 while work remains.
    Job.objects.filter(status=JobStatus.DONE).update(render_seconds=0)
    for done in Job.objects.filter(status=JobStatus.DONE):
        Job.objects.filter(pk=done.pk).update(finished_at=done.started_at + timedelta(milliseconds=50))
    for job in (running, first.job, second.job):
        job.refresh_from_db()
        assert eta_seconds(job, queue_position(job)) >= 5
    data = client.get(f"/orders/{first.token}/status.json").json()
    assert data["status"] == "queued" and data["eta_seconds"] >= 5
    assert data["eta_text"] == "less than a minute left"
    body = client.get(f"/orders/{first.token}/").content.decode()
    assert "0 min" not in body and "less than a minute left" in body


def test_minutes_from_90_seconds(client, paid_order):
    # No books made yet: the default, about 3 minutes for a book.
    order = paid_order()
    data = client.get(f"/orders/{order.token}/status.json").json()
    assert data["eta_seconds"] >= 90
    assert data["eta_text"] == f"about {round(data['eta_seconds'] / 60)} min left"
    assert data["eta_text"] in client.get(f"/orders/{order.token}/").content.decode()


def test_thumbnails_of_the_stored_pages_behind_the_token(client, finished_book, make_order):
    order = finished_book
    data = client.get(f"/orders/{order.token}/status.json").json()
    assert data["eta_seconds"] is None and data["eta_text"] == ""
    assert len(data["thumbnails"]) == 12
    # Pages 6 to 12 not colored yet: only the first five are shown.
    Page.objects.filter(job=order.job, index__gte=5).update(colored="")
    data = client.get(f"/orders/{order.token}/status.json").json()
    urls = data["thumbnails"]
    assert [url.split("?")[0] for url in urls] == [f"/orders/{order.token}/pages/{n}.jpg" for n in range(1, 6)]

    response = client.get(urls[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content[:3] == b"\xff\xd8\xff"
    assert "private" in response["Cache-Control"]
    # A page not drawn yet, another order's token, a made-up token: 404.
    assert client.get(f"/orders/{order.token}/pages/6.jpg").status_code == 404
    other = make_order(email="other@example.com")
    assert client.get(f"/orders/{other.token}/pages/1.jpg").status_code == 404
    assert client.get(f"/orders/{order.token[:-2]}xx/pages/1.jpg").status_code == 404
    assert client.get(f"/orders/{order.pk}/pages/1.jpg").status_code == 404

    body = client.get(f"/orders/{order.token}/").content.decode()
    for n, url in enumerate(urls, start=1):
        assert f'<img src="{url}" alt="Page {n}"' in body
    assert 'alt="Page 6"' not in body


def test_a_thumbnail_is_made_once_and_deleted_with_the_customers_data(client, finished_book, monkeypatch, settings):
    order = finished_book
    decoded = []
    real = thumbnails._screen_size
    monkeypatch.setattr(thumbnails, "_screen_size", lambda *args: decoded.append(args) or real(*args))
    url = client.get(f"/orders/{order.token}/status.json").json()["thumbnails"][0]
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert len(decoded) == 1  # the second request read the stored thumbnail
    assert first["ETag"] == second["ETag"]
    folder = Path(settings.MEDIA_ROOT) / "jobs" / order.job.token
    assert len(list((folder / "screen").iterdir())) == 1

    privacy.order_personal_data_delete(order)
    assert [path for path in folder.rglob("*") if path.is_file()] == []
