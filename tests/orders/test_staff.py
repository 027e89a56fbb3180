"""Staff run the shop from the admin: actions, the queue dashboard, health,
notifications, and the limits that protect the shop."""

import io
import json
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from generator import queue, services, tasks
from generator.errors import JobError
from generator.models import Job, JobStatus, Page, WorkerHeartbeat
from generator.providers import ProviderError, offline
from orders.models import Order, OrderStatus, SentEmail

pytestmark = pytest.mark.django_db

DELIVERY = "Mia's coloring book is ready"
DELAYED = "Mia's coloring book is running a little late"


def subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


def admin_action(client, model: str, action: str, ids: list[int]):
    return client.post(f"/admin/{model}/", {"action": action, "_selected_action": ids}, follow=True)


def fail_every_drawing(monkeypatch):
    def refuse(self, brief, scene, index):
        raise ProviderError("image service unavailable")

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", refuse)


def run_until_failed(settings):
    for _ in range(settings.JOB_MAX_ATTEMPTS):
        tasks.job_run_next()
    assert Job.objects.get().status == JobStatus.FAILED


def test_failed_for_good_tells_staff_and_the_customer_once(
    paid_order, settings, monkeypatch, django_capture_on_commit_callbacks, outbox_flush
):
    settings.ADMINS = [("Staff", "staff@example.com")]
    order = paid_order(theme="<b>space</b> cats")
    fail_every_drawing(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        run_until_failed(settings)
    outbox_flush()
    staff = [m for m in mail.outbox if m.to == ["staff@example.com"]]
    assert len(staff) == 1
    assert "image service unavailable" in staff[0].body
    assert f"/admin/orders/order/{order.pk}/change/" in staff[0].body
    assert subjects().count(DELAYED) == 1
    delayed = next(m for m in mail.outbox if m.subject == DELAYED)
    assert delayed.to == [order.email]
    assert "image service unavailable" not in delayed.body  # calm, no internals
    assert "&lt;b&gt;space&lt;/b&gt;" in delayed.alternatives[0][0]

    # Staff retry, and it fails again: staff hear again, the customer does not.
    with django_capture_on_commit_callbacks(execute=True):
        services.job_retry(job=Job.objects.get())
        run_until_failed(settings)
    outbox_flush()
    assert len([m for m in mail.outbox if m.to == ["staff@example.com"]]) == 2
    assert subjects().count(DELAYED) == 1


def test_status_page_of_a_failed_order_is_calm(client, paid_order, settings, monkeypatch):
    order = paid_order()
    fail_every_drawing(monkeypatch)
    run_until_failed(settings)
    body = client.get(f"/orders/{order.token}/").content.decode()
    assert "Our team has been told and is on it" in body
    assert "unavailable" not in body
    assert client.get(f"/orders/{order.token}/status.json").json()["status"] == "failed"


def test_admin_retry_resumes_a_failed_job(admin_client, paid_order, settings, monkeypatch, outbox_flush):
    order = paid_order()
    fail_every_drawing(monkeypatch)
    run_until_failed(settings)
    monkeypatch.undo()
    response = admin_action(admin_client, "orders/order", "retry_failed_jobs", [order.pk])
    assert "1 job(s) queued again" in response.content.decode()
    job = Job.objects.get()
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)
    # Retrying again changes nothing: the job is no longer failed.
    admin_action(admin_client, "generator/job", "retry_failed", [job.pk])
    assert Job.objects.get().status == JobStatus.QUEUED
    tasks.job_run_next()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    outbox_flush()
    assert subjects().count(DELIVERY) == 1


def test_admin_resend_delivery_sends_one_more_each_time(admin_client, finished_book, outbox_flush):
    order = finished_book
    outbox_flush()
    admin_action(admin_client, "orders/order", "resend_delivery", [order.pk])
    admin_action(admin_client, "generator/job", "resend_delivery", [order.job.pk])
    assert subjects().count(DELIVERY) == 1  # queued, not sent on the request
    assert outbox_flush() == 2
    assert subjects().count(DELIVERY) == 3
    sent = SentEmail.objects.filter(order=order, kind="delivery").order_by("sequence")
    assert [(e.sequence, e.state) for e in sent] == [(0, "sent"), (1, "sent"), (2, "sent")]
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox if m.subject == DELIVERY}) == 3
    assert all(m.attachments[0][2] == "application/pdf" for m in mail.outbox if m.subject == DELIVERY)


def test_resend_before_the_book_exists_is_refused(admin_client, paid_order):
    order = paid_order()
    response = admin_action(admin_client, "orders/order", "resend_delivery", [order.pk])
    assert "There is no finished book to send yet." in response.content.decode()
    assert DELIVERY not in subjects()


def test_admin_regenerates_chosen_pages_and_delivers_again(admin_client, finished_book, monkeypatch, outbox_flush):
    order = finished_book
    job = Job.objects.get()
    first_pdf = os.stat(job.pdf.path).st_mtime_ns
    chosen = list(Page.objects.filter(job=job, index__in=[1, 4]))
    kept = {p.index: (p.line_art.name, p.colored.name) for p in Page.objects.exclude(pk__in=[p.pk for p in chosen])}

    response = admin_action(admin_client, "generator/page", "regenerate", [p.pk for p in chosen])
    assert "2 page(s) queued to be drawn again" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.images_done, job.pdf.name) == (JobStatus.QUEUED, 20, "")
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED

    drawn: list[int] = []
    real = offline.OfflineProvider.draw_line_art
    monkeypatch.setattr(
        offline.OfflineProvider, "draw_line_art", lambda self, b, s, i: (drawn.append(i), real(self, b, s, i))[1]
    )
    tasks.job_run_next()
    assert sorted(drawn) == [1, 4]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert os.stat(job.pdf.path).st_mtime_ns > first_pdf  # the book was rebuilt
    for page in Page.objects.exclude(pk__in=[p.pk for p in chosen]):
        assert (page.line_art.name, page.colored.name) == kept[page.index]
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    outbox_flush()
    assert subjects().count(DELIVERY) == 2


def test_regenerating_a_running_job_is_refused(admin_client, paid_order):
    paid_order()
    job = queue.job_claim_next(worker="w:1")
    page_ids = []
    response = admin_action(admin_client, "generator/page", "regenerate", page_ids)
    assert response.status_code == 200
    with pytest.raises(JobError):
        services.pages_regenerate(job=job, page_ids=page_ids)


def test_dashboard_shows_the_queue_and_advises_more_workers(admin_client, finished_book, paid_order, settings):
    settings.HOST_MEMORY_MB = 512
    done = finished_book
    # A 200 s book, all of it drawing (its render time set to 0 for round figures).
    Job.objects.filter(order=done).update(
        started_at=timezone.now() - timedelta(seconds=200),
        finished_at=timezone.now(),
        peak_rss_mb=140,
        render_seconds=0,
    )
    running_order = paid_order(email="running@example.com")
    running = queue.job_claim_next(worker="host:1")
    Job.objects.filter(pk=running.pk).update(images_done=12)
    waiting = [paid_order(email=f"w{i}@example.com") for i in range(5)]
    failed = paid_order(email="failed@example.com")
    Job.objects.filter(order=failed).update(status=JobStatus.FAILED)
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now() - timedelta(seconds=4))

    response = admin_client.get("/admin/generator/job/dashboard/")
    assert response.status_code == 200
    figures = response.context["figures"]
    assert [item["job"].order.pk for item in figures["running"]] == [running_order.pk]
    assert figures["running"][0]["percent"] == 50
    assert figures["waiting"] == 5
    assert [job.order.pk for job in figures["waiting_jobs"]] == [o.pk for o in waiting]
    assert figures["average_book_seconds"] == 200
    # Five in line behind a half-done book, one worker: 100 s + 5 x 200 s.
    assert figures["last_in_line_eta_seconds"] == 1100
    assert figures["failed"] == 1
    assert figures["worker_ok"] is True
    assert figures["book_peak_mb"] == 140
    body = response.content.decode()
    assert "5 books are waiting" in body
    assert "Raise BOOK_WORKERS (now 1)" in body
    assert "peaks at 140 MB" in body

    out = io.StringIO()
    call_command("queue_status", stdout=out)
    text = out.getvalue()
    assert "waiting: 5" in text
    assert "running: job" in text and "12/24 images" in text
    assert "5 books are waiting" in text
    out = io.StringIO()
    call_command("queue_status", "--json", stdout=out)
    assert json.loads(out.getvalue())["waiting"] == 5


def test_dashboard_gives_no_advice_for_a_short_queue(admin_client, paid_order):
    paid_order()
    response = admin_client.get("/admin/generator/job/dashboard/")
    assert response.context["figures"]["recommendation"] is None
    assert "Raise BOOK_WORKERS" not in response.content.decode()


def test_healthz_follows_the_worker_heartbeat_and_tells_the_public_only_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False}
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/healthz").status_code == 503


def test_healthz_gives_staff_the_details(admin_client, paid_order):
    paid_order()
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now() - timedelta(minutes=10))
    response = admin_client.get("/healthz")
    assert response.status_code == 503
    details = response.json()
    assert details["ok"] is False
    assert details["database"] == "ok"
    assert details["worker"]["ok"] is False
    assert details["worker"]["last_heartbeat_seconds_ago"] >= 600
    assert details["queue"]["waiting"] == 1


def test_healthz_keeps_its_details_from_a_session_without_the_second_factor(admin_client, settings):
    """Signed in before STAFF_REQUIRE_2FA was turned on, with no code: the
    admin turns the session away, and so do the health details."""
    settings.STAFF_REQUIRE_2FA = True
    assert admin_client.get("/admin/").status_code == 302
    assert set(admin_client.get("/healthz").json()) == {"ok"}


def test_the_sweep_is_a_heartbeat(client):
    WorkerHeartbeat.objects.create(worker="recycled:1", beat_at=timezone.now() - timedelta(days=2))
    queue.jobs_sweep()
    assert client.get("/healthz").status_code == 200
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [queue.worker_name()]


def test_orders_are_rate_limited_per_client_address(client, settings):
    settings.ORDER_RATE_LIMIT_PER_HOUR = 3
    form = {"email": "a@example.com", "theme": "cats", "child_name": "", "age_group": "kids", "paper_size": "a4"}
    for _ in range(3):
        assert client.post("/order/", form, REMOTE_ADDR="203.0.113.7").status_code == 303
    response = client.post("/order/", form, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "wait a little" in response.content.decode()
    assert Order.objects.count() == 3
    assert client.post("/order/", form, REMOTE_ADDR="198.51.100.1").status_code == 303


def test_client_address_behind_a_proxy(client, settings):
    settings.NUM_PROXIES = 1
    form = {"email": "a@example.com", "theme": "cats", "child_name": "", "age_group": "kids", "paper_size": "a4"}
    client.post("/order/", form, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.9")
    client.post("/order/", form, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert list(Order.objects.order_by("pk").values_list("client_ip", flat=True)) == ["203.0.113.9", None]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/orders/order/",
        "/admin/generator/job/",
        "/admin/generator/job/dashboard/",
        "/admin/generator/page/1/thumbnail/colored/",
    ],
)
def test_admin_requires_staff(client, url):
    assert client.get(url).status_code == 302
    client.force_login(User.objects.create_user("customer", password="pw-123456789"))
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_pages_escape_customer_text_and_show_thumbnails(admin_client, paid_order):
    hostile = '<img src=x onerror="alert(1)">'
    order = paid_order(child_name=hostile, theme=f"cats {hostile}", dedication=f"Love {hostile}", hair_color="red")
    tasks.job_run_next()
    for url in (
        "/admin/orders/order/",
        f"/admin/orders/order/{order.pk}/change/",
        "/admin/generator/job/",
        f"/admin/generator/job/{order.job.pk}/change/",
    ):
        body = admin_client.get(url).content.decode()
        assert hostile not in body, url
    # The brief's look and dedication are shown to staff, as text.
    body = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Love &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body
    assert "Hair color" in body and ">Red<" in body
    body = admin_client.get(f"/admin/generator/job/{order.job.pk}/change/").content.decode()
    page = Page.objects.get(job=order.job, index=0)
    thumbnail = f"/admin/generator/page/{page.pk}/thumbnail/colored/"
    assert thumbnail in body
    response = admin_client.get(thumbnail)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert admin_client.get(f"/admin/generator/page/{page.pk}/thumbnail/secret/").status_code == 404


def test_staff_get_the_print_shop_pdf_from_the_worker(admin_client, finished_book, django_capture_on_commit_callbacks):
    from django_q.models import OrmQ
    from pypdf import PdfReader

    job = Job.objects.get(order=finished_book)
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(admin_client, "generator/job", "make_print_pdf", [job.pk])
    body = admin_client.get(f"/admin/generator/job/{job.pk}/change/").content.decode()
    assert "Being made by the worker" in body
    # The worker's task, as queued.
    [task] = [t for t in OrmQ.objects.all() if t.func() == "generator.tasks.print_pdf_make"]
    assert tasks.print_pdf_make(*task.args()) == f"print PDF of job {job.pk}"
    body = admin_client.get(f"/admin/generator/job/{job.pk}/change/").content.decode()
    assert f"/admin/generator/job/{job.pk}/print.pdf" in body
    response = admin_client.get(f"/admin/generator/job/{job.pk}/print.pdf")
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    page = pdf.pages[1]
    assert page.mediabox != page.trimbox  # the bleed around the page


def test_print_pdf_of_an_unfinished_book_is_refused(admin_client, paid_order):
    paid_order()
    job = Job.objects.get()
    response = admin_action(admin_client, "generator/job", "make_print_pdf", [job.pk])
    assert "The book is not finished yet." in response.content.decode()
    assert admin_client.get(f"/admin/generator/job/{job.pk}/print.pdf").status_code == 404


def test_staff_cannot_add_or_delete_orders_and_jobs_by_hand(admin_client, paid_order):
    order = paid_order()
    for url in (
        "/admin/orders/order/add/",
        f"/admin/orders/order/{order.pk}/delete/",
        "/admin/generator/job/add/",
        f"/admin/generator/job/{order.job.pk}/delete/",
    ):
        assert admin_client.get(url).status_code == 403, url
    assert Order.objects.filter(pk=order.pk).exists()
