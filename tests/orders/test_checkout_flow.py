"""From the order form to the delivered book, through the demo checkout."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from generator import tasks
from generator.models import Job, JobStatus
from orders.models import Order, OrderStatus
from tests.conftest import ORDER_FORM as FORM


def attachments_of(message):
    return [(name, content, mimetype) for name, content, mimetype in message.attachments]


@pytest.mark.django_db
def test_order_form_to_delivered_book(client, django_capture_on_commit_callbacks, outbox_flush):
    response = client.get("/")
    assert response.status_code == 200
    assert b'name="theme"' in response.content

    response = client.post("/order/", FORM)
    assert response.status_code == 303
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.token}/demo-checkout/"
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.amount_cents, order.currency) == (999, "usd")

    assert client.get(response["Location"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.token}/demo-checkout/")
    assert response.status_code == 303
    assert response["Location"] == f"/orders/{order.token}/"

    # The confirmation is written at payment; the worker's outbox sends it,
    # before any book is drawn.
    assert mail.outbox == []
    assert outbox_flush() == 1
    assert [m.subject for m in mail.outbox] == ["We're drawing Mia's coloring book"]
    assert mail.outbox[0].to == ["parent@example.com"]
    assert mail.outbox[0].attachments == []
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    status = client.get(f"/orders/{order.token}/status.json").json()
    assert status["status"] == "queued"
    assert status["queue_position"] == 1
    assert status["pages_total"] == 24

    # The worker's task.
    assert tasks.job_run_next() == f"job {order.job.pk}"

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.job.status == JobStatus.DONE
    assert outbox_flush() == 1
    assert len(mail.outbox) == 2
    delivery = mail.outbox[1]
    assert delivery.subject == "Mia's coloring book is ready"
    [(name, content, mimetype)] = attachments_of(delivery)
    assert mimetype == "application/pdf"
    assert name.endswith(".pdf")

    pdf = PdfReader(io.BytesIO(content))
    assert len(pdf.pages) == 1 + 1 + 2 * 12 + 1  # cover, dedication, 12 scenes x (colored, line art), closing page
    for page in pdf.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    assert "Mia" in pdf.pages[0].extract_text()

    status = client.get(f"/orders/{order.token}/status.json").json()
    assert status["status"] == "delivered"
    assert status["pages_done"] == 24
    assert status["queue_position"] == 0
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == content
    # The delivery email links to the same download.
    assert status["download_url"].split("/download/")[0] in delivery.body


@pytest.mark.django_db
def test_a4_order_renders_a4_pages_and_each_order_gets_its_own_book(finished_book, paid_order, outbox_flush):
    letter = finished_book  # made, its delivery waiting in the outbox
    a4 = paid_order(paper_size="a4", email="a4@example.com")
    assert tasks.job_run_next() == f"job {a4.job.pk}"
    outbox_flush()
    attached = {m.to[0]: m.attachments[0][1] for m in mail.outbox if m.attachments}
    assert set(attached) == {letter.email, a4.email}
    for order, page_size in ((a4, (595.3, 841.9)), (letter, (612.0, 792.0))):
        # The book its own job made, at its own paper size.
        job = Job.objects.get(order=order)
        with job.pdf.open("rb") as stored:
            assert attached[order.email] == stored.read(), f"{order.email} got another order's book"
        page = PdfReader(io.BytesIO(attached[order.email])).pages[3]
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == page_size


@pytest.mark.django_db
def test_task_run_twice_makes_and_sends_one_book(paid_order, outbox_flush):
    order = paid_order()
    assert tasks.job_run_next() == f"job {order.job.pk}"
    assert tasks.job_run_next() == "no job waiting"
    assert outbox_flush() == 2
    assert sorted(m.subject for m in mail.outbox) == [
        "Mia's coloring book is ready",
        "We're drawing Mia's coloring book",
    ]
    job = Job.objects.get()
    assert job.attempts == 1


@pytest.mark.django_db
def test_demo_checkout_paid_twice_fulfills_once(client, make_order, django_capture_on_commit_callbacks, outbox_flush):
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.token}/demo-checkout/")
        client.post(f"/orders/{order.token}/demo-checkout/")
    assert Job.objects.count() == 1
    assert outbox_flush() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_demo_checkout_is_refused_when_stripe_is_configured(client, make_order, settings):
    settings.DEMO_CHECKOUT = False
    order = make_order()
    assert client.get(f"/orders/{order.token}/demo-checkout/").status_code == 404
    assert client.post(f"/orders/{order.token}/demo-checkout/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_download_link_needs_a_valid_signature(client, finished_book, paid_order):
    order = finished_book
    assert client.get(f"/orders/{order.token}/download/forged/").status_code == 410
    other = paid_order(email="other@example.com")
    good = client.get(f"/orders/{order.token}/status.json").json()["download_url"]
    signature = good.rstrip("/").rsplit("/", 1)[1]
    # A signature is bound to its order.
    assert client.get(f"/orders/{other.token}/download/{signature}/").status_code == 410


@pytest.mark.django_db
def test_download_link_expires_and_the_status_page_gives_a_fresh_one(client, finished_book, monkeypatch, settings):
    import time

    from django.core import signing

    order = finished_book
    old_link = client.get(f"/orders/{order.token}/status.json").json()["download_url"]
    assert client.get(old_link).status_code == 200

    later = time.time() + settings.DOWNLOAD_LINK_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    expired = client.get(old_link)
    assert expired.status_code == 410
    assert f"/orders/{order.token}/" in expired.content.decode()
    fresh_link = client.get(f"/orders/{order.token}/status.json").json()["download_url"]
    assert fresh_link != old_link
    assert client.get(fresh_link).status_code == 200
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert fresh_link in page


@pytest.mark.django_db
def test_a_book_too_big_to_attach_is_sent_as_a_link_only(finished_book, settings, outbox_flush):
    settings.BOOK_ATTACH_MAX_BYTES = 1000
    order = finished_book
    outbox_flush()
    [delivery] = [m for m in mail.outbox if m.subject == "Mia's coloring book is ready"]
    assert delivery.attachments == []
    assert f"/orders/{order.token}/download/" in delivery.body
    assert "attached" not in delivery.body
    html = delivery.alternatives[0][0]
    assert f"/orders/{order.token}/download/" in html
    assert order.emails.get(kind="delivery").attached_pdf is False


def test_the_default_attachment_limit_fits_a_10_mb_message():
    from django.conf import settings

    base64_size = (settings.BOOK_ATTACH_MAX_BYTES + 2) // 3 * 4
    assert base64_size + 100_000 < 10_000_000  # room for the text, HTML and headers
