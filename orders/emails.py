"""The emails an order gets, each exactly once, through the outbox.

A state change writes the email's row (SentEmail, pending) in its own
transaction with `email_queue`; the worker's housekeeping thread sends it
after commit (orders/outbox.py). Here: writing rows, and building the
message a row stands for, from templates that escape the customer's text.
Nothing in this module sends to a customer.
"""

import hashlib
import logging
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, mail_admins
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from generator.selectors import book_pdf
from generator.text import text_line
from orders.links import download_url
from orders.models import EmailKind, Order, SentEmail

logger = logging.getLogger(__name__)

# Each email's subject names the child, or the book's title when no child is
# named: (with the child's name, with the title). Customer text goes in as
# one line (no header can be smuggled in) and a title is cut short.
SUBJECTS = {
    EmailKind.CONFIRMATION: (
        gettext_lazy("We're drawing %(child)s's coloring book"),
        gettext_lazy("We're drawing your coloring book “%(title)s”"),
    ),
    EmailKind.DELIVERY: (
        gettext_lazy("%(child)s's coloring book is ready"),
        gettext_lazy("Your coloring book “%(title)s” is ready"),
    ),
    EmailKind.DELAYED: (
        gettext_lazy("%(child)s's coloring book is running a little late"),
        gettext_lazy("Your coloring book “%(title)s” is running a little late"),
    ),
    EmailKind.REFUND: (
        gettext_lazy("Your order of %(child)s's coloring book was refunded"),
        gettext_lazy("Your order of the coloring book “%(title)s” was refunded"),
    ),
    EmailKind.PAYMENT_FAILED: (
        gettext_lazy("Your payment for %(child)s's coloring book did not go through"),
        gettext_lazy("Your payment for the coloring book “%(title)s” did not go through"),
    ),
}
SUBJECT_TITLE_MAX = 40


def email_subject(*, order: Order, kind: str) -> str:
    """The subject of an order's email, in the active language: one line,
    whatever the customer typed."""
    with_child, with_title = SUBJECTS[kind]
    child = text_line(order.child_name, 40)
    if child:
        subject = with_child % {"child": child}
    else:
        title = text_line(order.title)
        if len(title) > SUBJECT_TITLE_MAX:
            title = title[: SUBJECT_TITLE_MAX - 1].rstrip() + "…"
        subject = with_title % {"title": title}
    # The translation's own no-break spaces stay; no line break ever does.
    return " ".join(subject.splitlines())


def email_sender() -> str:
    """Who the customer's emails are from: SHOP_NAME, at the address in
    DEFAULT_FROM_EMAIL (its display name, if any, is not used)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "books@localhost"
    return str(Address(display_name=text_line(settings.SHOP_NAME, 78), addr_spec=address))


def message_id_for(*, order: Order, kind: str, sequence: int) -> str:
    """The Message-ID of one outbox row: derived from the order, the kind and
    the resend number, so every send of the row carries the same one, and
    receivers or ESPs that deduplicate by it see one message. The token is
    hashed: it opens the order's page, and headers end up in mail logs."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "bookshop.invalid"
    order_key = hashlib.sha256(order.token.encode()).hexdigest()[:24]
    return f"<order-{order_key}-{kind}-{sequence}@{domain}>"


def email_queue(*, order: Order, kind: str) -> SentEmail | None:
    """Write the email's row, pending, in the caller's transaction (the state
    change it tells about). Once per order and kind: a second call, however
    it races, returns None and writes nothing; nor for an order whose
    personal data was deleted (there is no one to write to)."""
    if order.personal_data_deleted_at is not None:
        return None
    if SentEmail.objects.filter(order=order, kind=kind, sequence=0).exists():
        return None
    try:
        with transaction.atomic():
            return SentEmail.objects.create(
                order=order,
                kind=kind,
                sequence=0,
                message_id=message_id_for(order=order, kind=kind, sequence=0),
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None


@transaction.atomic
def delivery_resend(*, order: Order) -> SentEmail:
    """Staff asked for the delivery again (lost email, rebuilt book): each
    request writes one more row, sent with its own Message-ID and a fresh
    download link."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    last = SentEmail.objects.filter(order=order, kind=EmailKind.DELIVERY).aggregate(last=Max("sequence"))["last"]
    sequence = 0 if last is None else last + 1
    return SentEmail.objects.create(
        order=order,
        kind=EmailKind.DELIVERY,
        sequence=sequence,
        message_id=message_id_for(order=order, kind=EmailKind.DELIVERY, sequence=sequence),
        next_attempt_at=timezone.now(),
    )


def _message(order: Order, kind: str, extra: dict | None = None) -> EmailMultiAlternatives:
    """The email, written in the order's language whoever composes it (the
    worker, a staff action, a page in another language)."""
    with translation.override(order.language):
        subject = email_subject(order=order, kind=kind)
        site = settings.SITE_URL.rstrip("/")
        context = {
            "order": order,
            "subject": subject,
            "shop_name": settings.SHOP_NAME,
            "contact_email": settings.SHOP_CONTACT_EMAIL,
            "site_url": site + reverse("orders:storefront"),
            "faq_url": site + reverse("orders:faq"),
            "refunds_url": site + reverse("orders:refunds"),
            "status_url": site + reverse("orders:status", args=[order.token]),
            # The order form filled with this order's brief (orders.views.storefront).
            "order_again_url": site + reverse("orders:storefront") + f"?again={order.token}",
            "paper_size": order.get_paper_size_display(),
            "scenes": settings.BOOK_SCENES,
            **(extra or {}),
        }
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=email_sender(),
        to=[order.email],
        reply_to=[settings.SHOP_CONTACT_EMAIL],
    )
    message.attach_alternative(html, "text/html")
    return message


def _book_pdf(order: Order) -> bytes | None:
    """The book's stored PDF if it fits in an email, read at send time so the
    outbox row never holds it."""
    stored_pdf = book_pdf(order.job)
    if stored_pdf is None:
        return None
    name, size = stored_pdf
    if size > settings.BOOK_ATTACH_MAX_BYTES:
        return None
    with default_storage.open(name, "rb") as stored:
        pdf = stored.read()
    return pdf if len(pdf) <= settings.BOOK_ATTACH_MAX_BYTES else None


def email_build(*, email: SentEmail) -> tuple[EmailMultiAlternatives, bool]:
    """The message a row stands for, with the row's Message-ID, and whether
    the PDF is attached."""
    order = email.order
    extra: dict = {}
    pdf = None
    if email.kind == EmailKind.DELIVERY:
        pdf = _book_pdf(order)
        extra = {
            "download_url": download_url(order),
            "attached": pdf is not None,
            "link_days": settings.DOWNLOAD_LINK_MAX_AGE // 86400,
        }
    message = _message(order, email.kind, extra)
    message.extra_headers["Message-ID"] = email.message_id
    if pdf is not None:
        message.attach(f"coloring-book-{order.token[:8]}.pdf", pdf, "application/pdf")
    return message, pdf is not None


def job_failed_notify(*, order_id: int, reason: str) -> None:
    """A job failed for good: staff get the reason. Run after commit in the
    worker (the customer's calm note went into the outbox with the failure);
    a mail outage only costs this alert, which the admin's list shows too."""
    try:
        order = Order.objects.get(pk=order_id)
        admin_url = settings.SITE_URL + reverse("admin:orders_order_change", args=[order.pk])
        mail_admins(
            f"Book generation failed for order {order.pk}",
            f"Order {order.pk} ({order.email}) failed for good:\n\n{reason}\n\nRetry it from the admin: {admin_url}",
        )
    except Exception:
        logger.exception("staff alert for order %s failed", order_id)


def staff_notify(*, order_id: int, subject: str, text: str) -> None:
    """Tell staff (ADMINS) that an order needs them. Run after commit; a
    mail outage, or no ADMINS, only costs this alert: the order is flagged
    in the admin's "needs attention" list too."""
    try:
        admin_url = settings.SITE_URL + reverse("admin:orders_order_change", args=[order_id])
        mail_admins(f"{subject}: order {order_id}", f"{text}\n\nThe order in the admin: {admin_url}")
    except Exception:
        logger.exception("staff alert for order %s failed", order_id)
