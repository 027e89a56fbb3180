"""A parent deletes their order's personal data and images.

The paid record stays for accounting (amount, currency, dates, status,
Stripe ids); what says who the order was for, and what was drawn, goes.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from generator import services as generator_services
from orders.models import Order, OrderStatus, Preview, StripeEvent

# Orders whose book can no longer change: delivered, or closed without one.
# A failed order is not among them: staff are still making its book (it can
# be refunded or cancelled first, then deleted).
DELETABLE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)


class DeletionRefused(Exception):
    """The order's data cannot be deleted now (its book is still being made)."""


def placeholder_email(order: Order) -> str:
    return f"deleted-{order.pk}@invalid"


def _scrub(value, secrets: list[str], replacement: str):
    """The JSON value with every string holding one of `secrets` replaced."""
    if isinstance(value, dict):
        return {key: _scrub(item, secrets, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets, replacement) for item in value]
    if isinstance(value, str) and any(secret.lower() in value.lower() for secret in secrets):
        return replacement
    return value


def order_personal_data_delete(order: Order) -> Order:
    """Delete what the order knows about the child and the parent: the
    email, the child's name and look, the theme (it may name someone), the
    dedication and the client address are blanked; the book's images and
    PDFs are deleted from storage (generator.services.job_files_delete, the
    job's row kept); the preview it was ordered from is deleted; the email
    is replaced in the Stripe events kept for it. Amount, currency, dates,
    status and Stripe ids stay. Raises DeletionRefused while the book is
    being made."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.personal_data_deleted_at is not None:
            return order
        if order.status not in DELETABLE_STATUSES:
            raise DeletionRefused(
                gettext("Your book is still being made: its data can be deleted once it is delivered.")
            )
        if order.job_id is not None and not generator_services.job_files_delete(job_id=order.job_id):
            raise DeletionRefused(
                gettext("Your book is still being made: its data can be deleted once it is delivered.")
            )
        # Stripe is sent the email only (orders.payments), never the child's name.
        secrets = [order.email] if order.email else []
        placeholder = placeholder_email(order)
        for event in StripeEvent.objects.filter(order=order):
            event.payload = _scrub(event.payload, secrets, "[deleted]")
            event.save(update_fields=["payload"])
        for sent in order.emails.exclude(last_error=""):
            if any(secret.lower() in sent.last_error.lower() for secret in secrets):
                sent.last_error = "[deleted with the order's personal data]"
                sent.save(update_fields=["last_error"])
        if order.preview_id is not None:
            _preview_delete(order.preview_id, keep_job_id=order.job_id)
        blank = {name: Order._meta.get_field(name).get_default() for name in Order.BRIEF_FIELDS}
        for name, value in blank.items():
            setattr(order, name, value)
        order.email = placeholder
        order.client_ip = None
        order.preview = None
        order.personal_data_deleted_at = timezone.now()
        order.save(update_fields=[*blank, "email", "client_ip", "preview", "personal_data_deleted_at", "updated_at"])
    return order


def _preview_delete(preview_id: int, *, keep_job_id: int | None) -> None:
    """The preview row; its job too, with its images, unless it became this
    order's book (emptied above) or another order's."""
    preview = Preview.objects.filter(pk=preview_id).first()
    if preview is None:
        return
    job_id = preview.job_id
    preview.delete()
    if job_id != keep_job_id and not Order.objects.filter(job_id=job_id).exists():
        generator_services.job_discard(job_id=job_id)
