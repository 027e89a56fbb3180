"""The emails an order gets, each exactly once (SentEmail's unique constraint),
built from templates that escape the customer's text."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mail_admins
from django.db import transaction
from django.db.models import F
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
        {
            "download_url": download_url(order),
            "attached": attach,
            "link_days": settings.DOWNLOAD_LINK_MAX_AGE // 86400,
        },
    )
    if attach:
        message.attach(f"coloring-book-{order.token[:8]}.pdf", pdf, "application/pdf")
    return message, attach


def delivery_send(*, order_id: int, pdf: bytes | None) -> bool:
    return _send_once(order_id, EmailKind.DELIVERY, lambda order: delivery_message(order, pdf))


def delivery_resend(*, order_id: int, pdf: bytes | None) -> None:
    """Staff asked for the delivery again (lost email, rebuilt book): each
    request sends one more, with a fresh download link."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        message, attached = delivery_message(order, pdf)
        message.send()
        sent, created = SentEmail.objects.get_or_create(
            order=order, kind=EmailKind.DELIVERY, defaults={"attached_pdf": attached}
        )
        if not created:
            SentEmail.objects.filter(pk=sent.pk).update(resends=F("resends") + 1, attached_pdf=attached)
    logger.info("email delivery re-sent for order %s", order_id)


def _send_safely(kind: str, send, order_id: int) -> None:
    try:
        send(order_id=order_id)
    except Exception:
        logger.exception("%s email for order %s failed", kind, order_id)


def delayed_send(*, order_id: int) -> bool:
    def build(order):
        return _message(order, "delayed", "Your coloring book is running late"), False

    return _send_once(order_id, EmailKind.DELAYED, build)


def refund_send(*, order_id: int) -> bool:
    def build(order):
        return _message(order, "refund", "Your coloring book order was refunded"), False

    return _send_once(order_id, EmailKind.REFUND, build)


def refund_send_safely(*, order_id: int) -> None:
    _send_safely("refund", refund_send, order_id)


def job_failed_notify(*, order_id: int, reason: str) -> None:
    """A job failed for good: staff get the reason, the customer a calm note
    (once, however many times staff retry)."""
    try:
        order = Order.objects.get(pk=order_id)
        admin_url = settings.SITE_URL + reverse("admin:orders_order_change", args=[order.pk])
        mail_admins(
            f"Book generation failed for order {order.pk}",
            f"Order {order.pk} ({order.email}) failed for good:\n\n{reason}\n\nRetry it from the admin: {admin_url}",
        )
    except Exception:
        logger.exception("staff alert for order %s failed", order_id)
    _send_safely("delayed", delayed_send, order_id)
