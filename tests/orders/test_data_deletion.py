"""A parent deletes their order's personal data and images from its status page."""

import pytest
from django.core.files.storage import default_storage

from generator.models import Job, JobStatus, Page
from orders import privacy
from orders.models import Order, OrderStatus, StripeEvent

pytestmark = pytest.mark.django_db


def _stored_files(order: Order) -> list[str]:
    job = order.job
    names = [job.pdf.name, job.cover.name, job.print_pdf.name]
    for page in job.pages.all():
        names += [page.line_art.name, page.colored.name]
    return [name for name in names if name]


def test_deletion_is_refused_before_delivery(client, paid_order):
    order = paid_order()
    assert order.status == OrderStatus.QUEUED
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "Delete my data" not in page
    response = client.post(f"/orders/{order.token}/delete/", {"confirm": "yes"})
    assert response.status_code == 409
    order.refresh_from_db()
    assert order.email == "parent@example.com" and order.child_name == "Mia"
    assert order.personal_data_deleted_at is None


def test_deletion_needs_the_confirmation_box(client, finished_book):
    response = client.post(f"/orders/{finished_book.token}/delete/")
    assert response.status_code == 400
    finished_book.refresh_from_db()
    assert finished_book.email == "parent@example.com"


def test_deletion_needs_a_csrf_token(finished_book):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(f"/orders/{finished_book.token}/delete/", {"confirm": "yes"})
    assert response.status_code == 403


def test_a_delivered_order_loses_its_personal_data_and_files_and_keeps_its_payment(client, finished_book):
    order = finished_book
    Order.objects.filter(pk=order.pk).update(
        dedication="For Mia, love Grandma", stripe_payment_intent="pi_keep", hair_color="red", client_ip="10.0.0.1"
    )
    StripeEvent.objects.create(
        event_id="evt_1", type="checkout.session.completed", order=order,
        payload={"data": {"object": {"customer_email": "parent@example.com", "id": "cs_keep"}}},
    )  # fmt: skip
    order.refresh_from_db()
    files = _stored_files(order)
    assert files and all(default_storage.exists(name) for name in files)
    link = client.get(f"/orders/{order.token}/status.json").json()["download_url"]
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "Delete my data" in page and "csrfmiddlewaretoken" in page
    before = {f: getattr(order, f) for f in ("amount_cents", "currency", "paid_at", "delivered_at", "status")}
    before["stripe"] = (order.stripe_session_id, order.stripe_payment_intent)

    response = client.post(f"/orders/{order.token}/delete/", {"confirm": "yes"})
    assert response.status_code == 303

    order.refresh_from_db()
    assert order.email == f"deleted-{order.pk}@invalid"
    assert (order.child_name, order.dedication, order.theme, order.hair_color) == ("", "", "", "")
    assert order.client_ip is None and order.personal_data_deleted_at is not None
    assert {f: getattr(order, f) for f in ("amount_cents", "currency", "paid_at", "delivered_at", "status")} == {
        k: v for k, v in before.items() if k != "stripe"
    }
    assert (order.stripe_session_id, order.stripe_payment_intent) == before["stripe"]
    assert not any(default_storage.exists(name) for name in files)
    job = Job.objects.get(pk=order.job_id)
    assert job.child_name == "" and job.theme == "" and not job.pdf and job.status == JobStatus.CANCELLED
    assert not Page.objects.filter(job=job).exists()
    payload = StripeEvent.objects.get(event_id="evt_1").payload["data"]["object"]
    assert payload == {"customer_email": "[deleted]", "id": "cs_keep"}

    assert client.get(link).status_code in (404, 410)
    assert client.get(f"/orders/{order.token}/status.json").json()["download_url"] is None
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "You deleted this order" in page
    assert "Download the PDF" not in page and "Mia" not in page and "parent@example.com" not in page
    # Deleting again changes nothing.
    assert client.post(f"/orders/{order.token}/delete/", {"confirm": "yes"}).status_code == 303


def test_the_preview_an_order_came_from_is_deleted(client, finished_book):
    from orders.models import Preview

    order = finished_book
    preview = Preview.objects.create(email=order.email, theme=order.theme, child_name="Mia", job=order.job)
    Order.objects.filter(pk=order.pk).update(preview=preview)
    order.refresh_from_db()
    privacy.order_personal_data_delete(order)
    assert not Preview.objects.filter(pk=preview.pk).exists()
    assert Job.objects.filter(pk=order.job_id).exists()


def test_hostile_text_is_never_rendered_raw_on_the_status_page(client, finished_book):
    Order.objects.filter(pk=finished_book.pk).update(child_name="<script>x()</script>")
    html = client.get(f"/orders/{finished_book.token}/").content.decode()
    assert "<script>x()" not in html


def test_staff_cannot_redraw_or_resend_a_deleted_book(finished_book):
    from generator import services as generator_services
    from generator.errors import JobError
    from orders import services

    order = privacy.order_personal_data_delete(finished_book)
    with pytest.raises(JobError):
        generator_services.pages_regenerate(job=order.job, page_ids=[])
    with pytest.raises(services.OrderError):
        services.order_delivery_resend(order=order)
