"""The seam to Stripe: every call the shop makes to Stripe's API is here.

Tests point STRIPE_API_BASE at a local fake server and go through the real SDK.
"""

import json
from functools import cache
from typing import Any

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


# The return page asks Stripe while the parent waits, in one of the web
# process's few threads: a slow Stripe must not hold it (the SDK's default is
# 80 s a try, and retries), and the webhook fulfils the order anyway.
RETURN_PAGE_TIMEOUT_SECONDS = 5


@cache
def _quick_client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    http = stripe.new_default_http_client(timeout=RETURN_PAGE_TIMEOUT_SECONDS)
    return stripe.StripeClient(api_key, base_addresses=base, max_network_retries=0, http_client=http)


# Stripe's secret and restricted keys say their mode in their prefix.
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")


def key_livemode() -> bool:
    """Whether the shop runs on a live key. A test key is test mode, and so
    is the demo checkout (no key): a live event is never for a shop that
    cannot take live payments."""
    return (settings.STRIPE_SECRET_KEY or "").startswith(LIVE_KEY_PREFIXES)


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
                # Stripe puts the session's id in place of the literal
                # {CHECKOUT_SESSION_ID}: the status page asks Stripe about that
                # session and fulfils a paid order the webhook has not yet.
                "success_url": status_url + "?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": status_url + "?cancelled=1",
                "metadata": {"order_token": order.token},
            },
            options={"idempotency_key": f"checkout-{order.token}"},
        )
    except stripe.StripeError as exc:
        raise PaymentError(f"Stripe refused the checkout session: {exc.user_message or exc}") from exc


def checkout_session_retrieve(*, session_id: str) -> dict[str, Any]:
    """The Checkout Session as Stripe has it now (decoded JSON, the shape of
    a checkout.session event's data.object), asked once, within
    RETURN_PAGE_TIMEOUT_SECONDS."""
    client()  # the key is set
    try:
        quick = _quick_client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)
        return quick.v1.checkout.sessions.retrieve(session_id).to_dict()
    except stripe.StripeError as exc:
        raise PaymentError(f"Stripe did not answer for the checkout session: {exc.user_message or exc}") from exc


def refund_create(*, order: Order) -> stripe.Refund:
    if not order.stripe_payment_intent:
        raise PaymentError("The order has no Stripe payment to refund.")
    # A refund Stripe could not deliver stays that refund under its key:
    # trying again after it failed is a new refund, with a key of its own.
    key = f"refund-{order.token}"
    if order.failed_refund_id:
        key = f"{key}-after-{order.failed_refund_id}"
    try:
        return client().v1.refunds.create(
            params={"payment_intent": order.stripe_payment_intent},
            options={"idempotency_key": key},
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
