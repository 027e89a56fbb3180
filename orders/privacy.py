"""A parent deletes their order's personal data and images.

The paid record stays for accounting (amount, currency, dates, status,
Stripe ids); what says who the order was for, and what was drawn, goes.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from generator import services as generator_services
from orders.models import EmailState, Order, OrderStatus, Preview, StripeEvent

# Orders whose book can no longer change: delivered, or closed without one.
# A failed order is not among them: staff are still making its book (it can
# be refunded or cancelled first, then deleted).
DELETABLE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)


class DeletionRefused(Exception):
    """The order's data cannot be deleted now (its book is still being made)."""


def placeholder_email(order: Order) -> str:
    return f"deleted-{order.pk}@invalid"


# Keys of Stripe's objects whose value says who paid, or where they live
# (checkout.session's customer_details, collected_information and
# shipping_details; a charge's or payment method's billing_details and
# receipt_email; a payment intent's shipping; a customer's name, email,
# phone and address; a dispute's evidence; a mandate's ip_address; a
# card's address_line1, address_zip, ...). Blanked wherever they are, with
# whatever is under them.
STRIPE_PERSONAL_KEYS = frozenset(
    {
        "customer_email", "customer_details", "collected_information", "shipping_details", "shipping",
        "billing_details", "receipt_email", "receipt_url", "custom_fields", "evidence", "name", "email", "phone",
        "address", "individual_name", "business_name", "tax_ids", "ip_address", "user_agent",
    }
)  # fmt: skip


# Of those, the texts that name the person themselves (not a country code
# or a status): looked for in the rest of the event too.
STRIPE_PERSON_TEXTS = frozenset(
    {"name", "email", "phone", "line1", "line2", "individual_name", "business_name", "customer_email",
     "receipt_email", "customer_name", "customer_email_address"}
)  # fmt: skip


def _personal_strings(value) -> list[str]:
    """The texts under Stripe's personal keys that name the payer (a name
    may be repeated elsewhere, in a description)."""
    found: list[str] = []

    def walk(item, personal: bool) -> None:
        if isinstance(item, dict):
            for key, child in item.items():
                inside = personal or _personal_key(key)
                if inside and key in STRIPE_PERSON_TEXTS and isinstance(child, str) and len(child) >= 3:
                    found.append(child)
                walk(child, inside)
        elif isinstance(item, list):
            for child in item:
                walk(child, personal)

    walk(value, False)
    return found


def _personal_key(key: str) -> bool:
    return key in STRIPE_PERSONAL_KEYS or key.startswith("address_")


def _stripe_payload_scrub(payload, secrets: list[str]):
    """The stored event without a person in it: Stripe's personal fields
    blanked (None for an object, "[deleted]" for a text), and any other
    text naming one of `secrets` or of the payer's details replaced. Ids,
    amounts and statuses stay for accounting."""
    secrets = [*secrets, *_personal_strings(payload)]

    def blank(value, key=None):
        if key is not None and _personal_key(key) and value not in (None, "", [], {}):
            return "[deleted]" if isinstance(value, str) else None
        if isinstance(value, dict):
            return {child_key: blank(child, child_key) for child_key, child in value.items()}
        if isinstance(value, list):
            return [blank(child) for child in value]
        return value

    return _scrub(blank(payload), secrets, "[deleted]")


def _stripe_key(key: str) -> bool:
    """A field Stripe writes itself (an id, a type, a status): never a
    person's text, and kept for accounting even if a short name happens to
    be inside it ("Ana" in an id)."""
    return key in ("id", "object", "type", "status", "currency") or key.endswith(("_id", "_intent"))


def _scrub(value, secrets: list[str], replacement: str):
    """The JSON value with every string holding one of `secrets` replaced
    (Stripe's own ids and codes kept)."""
    if isinstance(value, dict):
        return {
            key: item if _stripe_key(key) and isinstance(item, str) else _scrub(item, secrets, replacement)
            for key, item in value.items()
        }
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
    job's row kept, and nothing stored for it after, whatever image calls
    were still out); the preview it was ordered from is deleted; the
    payer's name, email, phone and addresses are blanked in the Stripe
    events kept for it. Amount, currency, dates, status and Stripe ids
    stay. Raises DeletionRefused while the book is being made."""
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
        # Its own events, and those about its payment kept before it was found.
        events = Q(order=order)
        if order.stripe_payment_intent:
            events |= Q(payment_intent=order.stripe_payment_intent)
        for event in StripeEvent.objects.filter(events):
            event.payload = _stripe_payload_scrub(event.payload, secrets)
            event.save(update_fields=["payload"])
        for sent in order.emails.exclude(last_error=""):
            if any(secret.lower() in sent.last_error.lower() for secret in secrets):
                sent.last_error = "[deleted with the order's personal data]"
                sent.save(update_fields=["last_error"])
        # An email not sent yet would go to the placeholder address: it is not sent.
        order.emails.filter(state__in=[EmailState.PENDING, EmailState.FAILED]).update(
            state=EmailState.FAILED, last_error="Not sent: the parent deleted the order's data."
        )
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
        # Stopped first, if it is drawing another scene: its row and files
        # go, and what its calls in flight bring back is never stored.
        generator_services.job_cancel(job_id=job_id, reason="Deleted at the client's request.")
        generator_services.job_discard(job_id=job_id)
