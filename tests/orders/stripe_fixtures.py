"""Stripe events built from the JSON files in tests/orders/stripe_events/
(Stripe's shapes at the pinned API version), made to be about one order."""

import copy
import json
import secrets
from functools import cache
from pathlib import Path

from orders.models import Order

FOLDER = Path(__file__).parent / "stripe_events"


@cache
def _load(name: str) -> dict:
    return json.loads((FOLDER / f"{name}.json").read_text())


def stripe_event(name: str, *, event_id: str | None = None, livemode: bool | None = None, **fields) -> dict:
    """The event in `name`.json, with a fresh event id (or `event_id`), its
    data.object's `fields` replaced and, if given, its mode (the event's and
    its object's `livemode`, which Stripe always sends alike)."""
    event = copy.deepcopy(_load(name))
    event["id"] = event_id or f"evt_test_{secrets.token_hex(12)}"
    obj = event["data"]["object"]
    obj.update(fields)
    if livemode is not None:
        event["livemode"] = livemode
        obj["livemode"] = livemode
    return event


def intent_of(order: Order) -> str:
    return f"pi_test_{order.token[:12]}"


def session_event(order: Order, name: str = "checkout.session.completed", **fields) -> dict:
    """A checkout.session.* event about the order's session."""
    success = f"http://shop.test/orders/{order.token}/"
    session = {
        "id": order.stripe_session_id or f"cs_test_{order.token[:24]}",
        "client_reference_id": order.token,
        "metadata": {"order_token": order.token},
        "customer_email": order.email,
        "amount_subtotal": order.amount_cents,
        "amount_total": order.amount_cents,
        "currency": order.currency,
        "locale": order.language,
        "payment_intent": intent_of(order),
        "success_url": success + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": success + "?cancelled=1",
    }
    return stripe_event(name, **{**session, **fields})


def dispute_event(order: Order, name: str = "charge.dispute.created", **fields) -> dict:
    """A charge.dispute.* event about the order's payment (its dispute id
    from the file unless `id` is given)."""
    return stripe_event(name, **{"payment_intent": intent_of(order), "amount": order.amount_cents, **fields})


def refund_event(order: Order, name: str = "refund.failed", **fields) -> dict:
    return stripe_event(
        name, **{"payment_intent": intent_of(order), "amount": order.amount_cents, "currency": order.currency, **fields}
    )
