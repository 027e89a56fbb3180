"""The seam to Stripe: every call the shop makes to Stripe's API is here.

Tests point STRIPE_API_BASE at a local fake server and go through the real SDK.
"""

import json
from functools import cache

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from orders.models import Order


class PaymentError(Exception):
    """Stripe could not do what was asked; the message is safe to log."""


@cache
def _client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=base, max_network_retries=2)


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentError("STRIPE_SECRET_KEY is not set.")
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def checkout_session_create(*, order: Order) -> stripe.checkout.Session:
    status_url = settings.SITE_URL + reverse("orders:status", args=[order.token])
    with translation.override(order.language):
        product = gettext("Personalized coloring book (PDF, 12 scenes)")
    try:
        return client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                # Stripe's page in the order's language ("en", "fr").
                "locale": order.language,
                "client_reference_id": order.token,
                "customer_email": order.email,
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": order.currency,
                            "unit_amount": order.amount_cents,
                            "product_data": {"name": product},
                        },
                    }
                ],
                "success_url": status_url + "?paid=1",
                "cancel_url": status_url + "?cancelled=1",
                "metadata": {"order_token": order.token},
            },
            options={"idempotency_key": f"checkout-{order.token}"},
        )
    except stripe.StripeError as exc:
        raise PaymentError(f"Stripe refused the checkout session: {exc.user_message or exc}") from exc


def refund_create(*, order: Order) -> stripe.Refund:
    if not order.stripe_payment_intent:
        raise PaymentError("The order has no Stripe payment to refund.")
    try:
        return client().v1.refunds.create(
            params={"payment_intent": order.stripe_payment_intent},
            options={"idempotency_key": f"refund-{order.token}"},
        )
    except stripe.StripeError as exc:
        raise PaymentError(f"Stripe refused the refund: {exc.user_message or exc}") from exc


def webhook_event_verify(*, payload: bytes, signature: str) -> dict:
    """Return the event if the payload is signed with STRIPE_WEBHOOK_SECRET.

    Raises ValueError for a bad body or an envelope that cannot be recorded
    (no string id or type), and stripe.SignatureVerificationError for a bad
    or missing signature.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise stripe.SignatureVerificationError("STRIPE_WEBHOOK_SECRET is not set.", signature)
    text = payload.decode("utf-8")
    stripe.WebhookSignature.verify_header(text, signature, secret, tolerance=300)
    try:
        event = json.loads(text)
    except RecursionError:
        raise ValueError("The event is nested too deeply.")
    if not isinstance(event, dict):
        raise ValueError("Not a Stripe event.")
    # The envelope is what a delivery is recorded by: without a usable id
    # and type it cannot be recorded once, so it is refused outright. What
    # is inside data.object is checked by orders.stripe_events, and a bad
    # shape there is recorded for staff instead.
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255:
        raise ValueError("The event has no usable id.")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 100:
        raise ValueError("The event has no usable type.")
    # The event is stored as it came: PostgreSQL's jsonb refuses a NUL
    # character and UTF-8 a lone surrogate ("\\ud800"); Stripe sends neither.
    try:
        stored = json.dumps(event, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("The event contains text that is not Unicode.")
    if b"\\u0000" in stored:
        raise ValueError("The event contains a NUL character.")
    return event
