"""Every status change of an order goes through order_transition, which
allows the moves of the table below and refuses every other one.

The table is written out here, not read from ORDER_TRANSITIONS: a move
added to or dropped from the shop's table by mistake fails a test."""

import itertools

import pytest

from orders.models import Order, OrderStatus
from orders.services import IllegalTransition, order_transition

pytestmark = pytest.mark.django_db

# Columns, in the order of the rows.
STATUSES = [
    "pending_payment",
    "paid",
    "queued",
    "generating",
    "rendering",
    "delivered",
    "failed",
    "refunded",
    "expired",
    "cancelled",
]
# Y: allowed; .: refused; =: the order stays where it is (no move, no error:
# callers such as a requeue may ask for the status the order already has).
# refunded -> cancelled: Stripe could not deliver the refund (refund.failed).
# cancelled -> queued: the chargeback that closed the order was won.
TABLE = """
                    to: pending  paid  queued  generating  rendering  delivered  failed  refunded  expired  cancelled
from pending_payment       =      Y      .         .           .          .        .        .         Y        Y
from paid                  .      =      Y         .           .          .        .        Y         .        Y
from queued                .      .      =         Y           .          .        Y        Y         .        Y
from generating            .      .      Y         =           Y          .        Y        Y         .        Y
from rendering             .      .      Y         .           =          Y        Y        Y         .        Y
from delivered             .      .      Y         .           .          =        .        Y         .        .
from failed                .      .      Y         .           .          .        =        Y         .        Y
from refunded              .      .      .         .           .          .        .        =         .        Y
from expired               .      Y      .         .           .          .        .        .         =        .
from cancelled             .      .      Y         .           .          .        .        Y         .        =
"""


def _expected() -> dict[tuple[str, str], str]:
    rows = [line.split() for line in TABLE.strip().splitlines()[1:]]
    assert [row[1] for row in rows] == STATUSES
    return {(row[1], to): mark for row in rows for to, mark in zip(STATUSES, row[2:], strict=True)}


EXPECTED = _expected()
PAIRS = list(itertools.product(STATUSES, STATUSES))


def test_the_table_names_every_status():
    assert sorted(STATUSES) == sorted(OrderStatus.values)


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{start}->{to}" for start, to in PAIRS])
def test_order_transition_allows_exactly_the_moves_of_the_table(make_order, start, to):
    order = make_order()
    Order.objects.filter(pk=order.pk).update(status=start)
    order.refresh_from_db()

    if EXPECTED[start, to] == ".":
        with pytest.raises(IllegalTransition):
            order_transition(order, to)
        order.refresh_from_db()
        assert order.status == start
    else:
        assert order_transition(order, to) is order
        order.refresh_from_db()
        assert order.status == to
