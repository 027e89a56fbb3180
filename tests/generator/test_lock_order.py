"""Row locks are taken in one order, the order's then the job's, so a
refund (which locks the order, then cancels the job) and a worker can never
wait on each other. Only PostgreSQL has row locks: SQLite serializes writers
and has nothing to deadlock on."""

import threading

import pytest
from django.db import connection, transaction

from generator import pipeline, queue
from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")


class OrderLockHolder:
    """Holds an order's row lock from another connection, as a refund does,
    until released (or a few seconds, so a test that waited fails instead
    of hanging)."""

    def __init__(self, order: Order) -> None:
        self.order_id = order.pk
        self.locked, self.release, self.ended = threading.Event(), threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=self.order_id)
                self.locked.set()
                self.release.wait(5)
        finally:
            self.ended.set()
            connection.close()

    def __enter__(self) -> "OrderLockHolder":
        self._thread.start()
        assert self.locked.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._thread.join()


def test_a_claim_never_waits_for_an_order_being_refunded_and_the_book_still_reaches_its_order(paid_order):
    order = paid_order()
    with OrderLockHolder(order) as holder:
        job = queue.job_claim_next(worker="host:1")
        # The claim ended while the order was still locked: it did not wait.
        claimed_while_locked = not holder.ended.is_set()
    assert claimed_while_locked and job is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED  # its start could not be recorded

    pipeline.job_run(job=job, worker="host:1")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
