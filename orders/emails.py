"""The emails an order gets, each exactly once (SentEmail's unique constraint),
built from templates that escape the customer's text."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from orders.links import download_url
from orders.models import EmailKind, Order, SentEmail

logger = logging.getLogger(__name__)


def _message(order: Order, template: str, subject: str, extra: dict | None = None) -> EmailMultiAlternatives:
    context = {
        "order": order,
        "status_url": settings.SITE_URL + reverse("orders:status", args=[order.token]),
        **(extra or {}),
    }
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[order.email])
    message.attach_alternative(html, "text/html")
    return message


def _send_once(order_id: int, kind: str, build) -> bool:
    """Send one kind of email for an order unless it went out already.

    The order's row lock serializes senders; the row is written only once the
    message is handed to the backend, so a failure leaves nothing recorded and
    the next attempt sends it.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if SentEmail.objects.filter(order=order, kind=kind).exists():
            return False
        message, attached = build(order)
        message.send()
        SentEmail.objects.create(order=order, kind=kind, attached_pdf=attached)
    logger.info("email %s sent for order %s", kind, order_id)
    return True


def confirmation_send(*, order_id: int) -> bool:
    def build(order):
        return _message(order, "confirmation", "We're drawing your coloring book"), False

    return _send_once(order_id, EmailKind.CONFIRMATION, build)


def confirmation_send_safely(*, order_id: int) -> None:
    """After a payment commits: a mail outage must not fail the webhook. The
    worker's sweeper sends any confirmation that is still missing."""
    try:
        confirmation_send(order_id=order_id)
    except Exception:
        logger.exception("confirmation email for order %s failed; the sweeper will retry", order_id)


def delivery_message(order: Order, pdf: bytes | None) -> tuple[EmailMultiAlternatives, bool]:
    attach = pdf is not None and len(pdf) <= settings.BOOK_ATTACH_MAX_BYTES
    message = _message(
        order,
        "delivery",
        "Your coloring book is ready",
        {"download_url": download_url(order), "attached": attach},
    )
    if attach:
        message.attach(f"coloring-book-{order.token[:8]}.pdf", pdf, "application/pdf")
    return message, attach


def delivery_send(*, order_id: int, pdf: bytes | None) -> bool:
    return _send_once(order_id, EmailKind.DELIVERY, lambda order: delivery_message(order, pdf))
