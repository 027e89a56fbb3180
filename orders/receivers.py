"""How the shop hears from the book factory (generator.signals): what each
job event means for its order, and the emails it writes.

Each receiver runs in the transaction that changes the job, locks its
order before the factory writes the job's row (the same order as a refund:
order, then job), and does nothing for a job that is not an order's (a book the
factory makes for someone else). A refunded or cancelled order's job was
cancelled in the same transaction as the order, so these receivers only
defend against the rare moment in between: an unwanted book is stopped
(JobCancelled), never delivered.
"""

from django.db import transaction
from django.dispatch import receiver

from generator import signals
from generator.errors import JobCancelled
from generator.models import Job
from orders import emails
from orders.models import ORDER_TRANSITIONS, EmailKind, Order, OrderStatus
from orders.services import order_transition

CLOSED = (OrderStatus.REFUNDED, OrderStatus.CANCELLED)


def _order_locked(job: Job) -> Order | None:
    return Order.objects.select_for_update().filter(job_id=job.pk).first()


def _order_wanted(job: Job) -> Order | None:
    """The job's order, locked; JobCancelled if it was refunded or cancelled."""
    order = _order_locked(job)
    if order is not None and order.status in CLOSED:
        raise JobCancelled(f"order {order.pk} is {order.status}")
    return order


@receiver(signals.job_started, dispatch_uid="orders.job_started")
def on_job_started(sender, job: Job, **kwargs) -> None:
    """Sent with the job's row locked (the claim), so this must not wait on
    the order's lock: a refund holding it locks the job next, and the two
    would wait on each other. A locked order is left as it is: it is being
    refunded or cancelled, or it moves on at the RENDERING stage."""
    order = Order.objects.select_for_update(skip_locked=True).filter(job_id=job.pk).first()
    if order is not None and order.status == OrderStatus.QUEUED:
        order_transition(order, OrderStatus.GENERATING)


@receiver(signals.job_progressed, dispatch_uid="orders.job_progressed")
def on_job_progressed(sender, job: Job, stage: str, **kwargs) -> None:
    if stage != signals.RENDERING:
        return
    order = _order_wanted(job)
    if order is None:
        return
    if order.status == OrderStatus.QUEUED:
        # Its start was not recorded (the order was locked at the claim).
        order_transition(order, OrderStatus.GENERATING)
    order_transition(order, OrderStatus.RENDERING)


@receiver(signals.job_requeued, dispatch_uid="orders.job_requeued")
def on_job_requeued(sender, job: Job, **kwargs) -> None:
    order = _order_locked(job)
    # A closed order's job was cancelled with it: the factory sees that too.
    if order is not None and order.status not in CLOSED:
        order_transition(order, OrderStatus.QUEUED)


@receiver(signals.job_ready, dispatch_uid="orders.job_ready")
def on_job_ready(sender, job: Job, **kwargs) -> None:
    """The book is made: delivered, and the delivery email written with the
    delivery (the outbox sends it, reading the stored PDF at send time). A
    book delivered before (staff had pages drawn again) is sent again."""
    order = _order_wanted(job)
    if order is None:
        return
    if order.delivered_at is not None:
        emails.delivery_resend(order=order)
    else:
        emails.email_queue(order=order, kind=EmailKind.DELIVERY)
    order_transition(order, OrderStatus.DELIVERED)


@receiver(signals.job_failed, dispatch_uid="orders.job_failed")
def on_job_failed(sender, job: Job, reason: str, **kwargs) -> None:
    """Failed for good: the customer's calm note goes into the outbox (once,
    however many times staff retry); staff get the reason after commit."""
    order = _order_locked(job)
    if order is None or order.status in CLOSED:
        return
    if OrderStatus.FAILED in ORDER_TRANSITIONS[order.status]:
        order_transition(order, OrderStatus.FAILED, problem=reason)
    emails.email_queue(order=order, kind=EmailKind.DELAYED)
    transaction.on_commit(lambda: emails.job_failed_notify(order_id=order.pk, reason=reason))
