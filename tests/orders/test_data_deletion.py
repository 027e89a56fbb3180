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


# Nothing of the parent or the child is left anywhere ----------------------

PAYER = "Jeanne Dupont-Lefèvre"
STREET = "12 rue des Lilas"
PHONE = "+33612345678"


def _session_completed(order: Order) -> dict:
    """A checkout.session.completed as Stripe sends it for a print order
    (the fields that carry a person, as in Stripe's fixtures)."""
    address = {"city": "Lyon", "country": "FR", "line1": STREET, "line2": "Bât. B", "postal_code": "69003"}
    session = {
        "id": "cs_test_keep", "object": "checkout.session", "client_reference_id": order.token,
        "amount_total": 999, "currency": "usd", "payment_status": "paid", "payment_intent": "pi_keep",
        "customer_email": order.email,
        "customer_details": {
            "address": address, "email": order.email, "name": PAYER, "phone": PHONE,
            "tax_exempt": "none", "tax_ids": [], "individual_name": PAYER, "business_name": None,
        },
        "collected_information": {"shipping_details": {"address": address, "name": PAYER}},
        "shipping_details": {"address": address, "name": PAYER},
        "custom_fields": [], "metadata": {"order_token": order.token},
    }  # fmt: skip
    return {"id": "evt_session", "object": "event", "type": "checkout.session.completed", "data": {"object": session}}


def _charge_refunded() -> dict:
    charge = {
        "id": "ch_keep", "object": "charge", "amount": 999, "amount_refunded": 999, "refunded": True,
        "payment_intent": "pi_keep", "currency": "usd", "description": f"Coloring book, paid by {PAYER}",
        "billing_details": {
            "address": {"city": "Lyon", "country": "FR", "line1": STREET, "postal_code": "69003"},
            "email": "parent@example.com", "name": PAYER, "phone": PHONE, "tax_id": None,
        },
        "receipt_email": "parent@example.com",
        "receipt_url": "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8x",
        "shipping": {"address": {"line1": STREET, "city": "Lyon"}, "name": PAYER, "phone": PHONE},
        "payment_method_details": {"card": {"brand": "visa", "last4": "4242"}, "type": "card"},
    }  # fmt: skip
    return {"id": "evt_refund", "object": "event", "type": "charge.refunded", "data": {"object": charge}}


def _database_text() -> list[tuple[str, str]]:
    """Every text and JSON value of every table the project and its
    libraries keep, as (table.column, text)."""
    import json

    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            for value in model._default_manager.values_list(field.attname, flat=True):
                if value not in (None, ""):
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    found.append((f"{model._meta.db_table}.{field.column}", text))
    return found


def test_after_deletion_no_table_and_no_file_holds_the_parent_or_the_child(finished_book, outbox_flush, settings):
    from pathlib import Path

    from orders.models import Preview, SentEmail

    order = finished_book
    StripeEvent.objects.create(event_id="evt_session", type="checkout.session.completed", order=order,
                               payload=_session_completed(order))  # fmt: skip
    # A refund reaching Stripe's side before the order was found keeps only its payment.
    StripeEvent.objects.create(event_id="evt_refund", type="charge.refunded", payment_intent="pi_keep",
                               payload=_charge_refunded())  # fmt: skip
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_keep", dedication="For Mia, from Jeanne")
    SentEmail.objects.filter(order=order).update(last_error=f"550 mailbox full: {order.email}")
    preview = Preview.objects.create(email=order.email, theme=order.theme, child_name="Mia", job=order.job)
    Order.objects.filter(pk=order.pk).update(preview=preview)
    personal = ["parent@example.com", "Mia", "dinosaurs having a picnic", PAYER, "Jeanne", STREET, PHONE]
    assert any(secret in text for _, text in _database_text() for secret in personal)

    privacy.order_personal_data_delete(Order.objects.get(pk=order.pk))

    # The emails not sent yet are not sent to the placeholder address.
    assert outbox_flush() == 0
    left = [(column, secret) for column, text in _database_text() for secret in personal if secret in text]
    assert left == []
    files = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert files == []
    # What accounting needs stays.
    session = StripeEvent.objects.get(event_id="evt_session").payload["data"]["object"]
    assert (session["id"], session["amount_total"], session["payment_intent"]) == ("cs_test_keep", 999, "pi_keep")
    charge = StripeEvent.objects.get(event_id="evt_refund").payload["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"], charge["payment_method_details"]["card"]["last4"]) == (
        999,
        True,
        "4242",
    )


@pytest.mark.django_db(transaction=True)
def test_images_in_flight_when_the_data_is_deleted_are_never_stored(paid_order, settings):
    """A refund stops the book; the parent deletes at once, while three
    image calls (a second each) are still out: what they bring back is
    dropped, and nothing of the book is left in storage or on the job."""
    from pathlib import Path

    from generator.models import Job
    from orders import services
    from tests.conftest import wait_until
    from tests.generator.test_cancel import JobThread, _images_done, _stop_settings

    _stop_settings(settings, latency=1.0, concurrency=3)
    order = paid_order()
    run = JobThread().start()
    wait_until(_images_done(2), timeout=30, interval=0.05, what="the book under way")
    services.order_refund(order_id=order.pk)
    privacy.order_personal_data_delete(Order.objects.get(pk=order.pk))
    assert not [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]

    run.join(timeout=30)
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []
    job = Job.objects.get(pk=order.job_id)
    assert not job.cover and not job.pages.exists() and job.images_done == 0


def test_the_scrub_keeps_stripes_own_ids_whatever_a_short_name_matches():
    """A payer called Ana, and an id that happens to hold "Ana": the
    description naming her goes, the ids Stripe wrote stay for accounting."""
    from orders.privacy import _stripe_payload_scrub

    payload = {
        "id": "evt_1AnaQx",
        "type": "charge.refunded",
        "data": {"object": {"id": "ch_3Ana", "payment_intent": "pi_9ana", "description": "Book for Ana"}},
    }
    scrubbed = _stripe_payload_scrub(payload, ["Ana"])
    assert scrubbed["id"] == "evt_1AnaQx" and scrubbed["type"] == "charge.refunded"
    charge = scrubbed["data"]["object"]
    assert (charge["id"], charge["payment_intent"]) == ("ch_3Ana", "pi_9ana")
    assert charge["description"] == "[deleted]"
