"""Emails leave through the outbox: written with the state change, sent by
the worker outside any transaction, once, with retries staff can see."""

import email
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone

from generator import pipeline, queue, tasks
from orders import services as order_services
from orders.models import EmailKind, EmailState, Order, OrderStatus, SentEmail
from orders.outbox import outbox_retry
from tests.conftest import ORDER_FORM, ROOT, _database_url, checkout_event
from tests.fakes import mail as fake_mail

CONFIRMATION = "We're drawing Mia's coloring book"
DELIVERY = "Mia's coloring book is ready"


def test_a_slow_mail_provider_does_not_slow_the_webhook(transactional_db, settings, make_order, post_event):
    settings.EMAIL_BACKEND = "tests.fakes.mail.SlowLocmemBackend"
    order = make_order()
    started = time.monotonic()
    response = post_event(checkout_event(order, event_id="evt_slow"))
    answered_in = time.monotonic() - started

    assert response.status_code == 200
    assert answered_in < 1.0, f"the webhook took {answered_in:.1f} s: it waited on the mail provider"
    assert mail.outbox == []
    row = SentEmail.objects.get(order=order, kind=EmailKind.CONFIRMATION)
    assert row.state == EmailState.PENDING

    from orders.outbox import outbox_send_due

    assert outbox_send_due() == 1
    assert [m.subject for m in mail.outbox] == [CONFIRMATION]
    row.refresh_from_db()
    assert row.state == EmailState.SENT and row.sent_at is not None


def test_no_email_is_sent_inside_a_transaction(transactional_db, settings, client, post_event):
    """The whole flow: order, payment, book, delivery, refund."""
    settings.EMAIL_BACKEND = "tests.fakes.mail.TransactionCheckingBackend"
    fake_mail.TransactionCheckingBackend.inside_transaction = []
    from orders.outbox import outbox_send_due

    client.post("/order/", ORDER_FORM)
    order = Order.objects.get()
    post_event(checkout_event(order, event_id="evt_paid"))
    outbox_send_due()
    worker = queue.worker_name()
    job = queue.job_claim_next(worker=worker)
    pipeline.job_run(job=job, worker=worker)
    outbox_send_due()
    refund = {"payment_intent": Order.objects.get().stripe_payment_intent, "refunded": True}
    post_event({"id": "evt_refund", "type": "charge.refunded", "data": {"object": refund}})
    outbox_send_due()

    assert sorted(m.subject for m in mail.outbox) == [
        "Mia's coloring book is ready",
        "We're drawing Mia's coloring book",
        "Your order of Mia's coloring book was refunded",
    ]
    assert fake_mail.TransactionCheckingBackend.inside_transaction == []


def test_a_failing_provider_is_retried_with_backoff_then_shown_to_staff_who_retry_it(
    settings, paid_order, outbox_flush, admin_client, failing_mail
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 30
    order = paid_order()
    row = SentEmail.objects.get(order=order, kind=EmailKind.CONFIRMATION)

    waits = []
    for _ in range(3):
        before = timezone.now()
        assert outbox_flush() == 0
        row.refresh_from_db()
        waits.append(round((row.next_attempt_at - before).total_seconds() / 30))
        # Not due again until its backoff has passed.
        assert outbox_flush() == 0
        SentEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    row.refresh_from_db()
    assert failing_mail.calls == 3
    assert waits[:2] == [1, 2]  # 30 s, then 60 s
    assert row.state == EmailState.FAILED
    assert "mail provider unreachable" in row.last_error
    assert mail.outbox == []

    # Staff see it, among the failing ones, and retry it.
    listing = admin_client.get("/admin/orders/sentemail/?failing=yes")
    assert f"/admin/orders/sentemail/{row.pk}/change/" in listing.content.decode()
    assert (
        f"/admin/orders/sentemail/{row.pk}/change/"
        in admin_client.get("/admin/orders/sentemail/?state__exact=failed").content.decode()
    )
    failing_mail.down = False
    admin_client.post("/admin/orders/sentemail/", {"action": "retry", "_selected_action": [row.pk]})
    assert outbox_flush() == 1
    assert [m.subject for m in mail.outbox] == [CONFIRMATION]
    assert outbox_flush() == 0
    row.refresh_from_db()
    assert row.state == EmailState.SENT


@pytest.mark.parametrize("max_attempts", [8, 1], ids=["retrying", "failed-then-staff-retry"])
def test_a_delivery_that_fails_to_send_leaves_the_book_delivered_and_goes_once_later(
    client, settings, paid_order, outbox_flush, failing_mail, max_attempts
):
    settings.OUTBOX_MAX_ATTEMPTS = max_attempts
    order = paid_order()
    failing_mail.down = False
    assert outbox_flush() == 1  # the confirmation
    failing_mail.down = True
    assert tasks.job_run_next() == f"job {order.job.pk}"

    assert outbox_flush() == 0
    assert failing_mail.calls == 2
    # The book is delivered all the same: its page offers the download.
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert client.get(f"/orders/{order.token}/status.json").json()["download_url"]
    row = SentEmail.objects.get(order=order, kind=EmailKind.DELIVERY)
    assert (row.attempts, row.sent_at) == (1, None)
    assert row.last_error == "ConnectionError: mail provider unreachable"
    if max_attempts == 1:
        assert row.state == EmailState.FAILED
        assert outbox_retry(email=row)  # what staff's retry action does
    else:
        assert row.state == EmailState.PENDING  # retrying, after its backoff
        assert row.next_attempt_at > timezone.now()
        assert outbox_flush() == 0
        SentEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    failing_mail.down = False
    assert outbox_flush() == 1
    assert outbox_flush() == 0
    [delivery] = [m for m in mail.outbox if m.subject == DELIVERY]
    assert delivery.to == [order.email]
    assert delivery.attachments[0][2] == "application/pdf"
    row.refresh_from_db()
    assert row.state == EmailState.SENT and row.sent_at is not None


def _mailbox(path: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(path.glob("*.eml"))]


def test_a_crash_between_sending_and_marking_still_sends_once(transactional_db, settings, paid_order, tmp_path):
    """A real process sends the confirmation and dies (os._exit) right after
    the provider accepted it, before marking it sent. After the lease another
    run sends it again, with the same Message-ID: the mailbox holds one
    message. The provider was called twice: that is the honest limit of any
    sender, which the stable Message-ID makes harmless."""
    order = paid_order()
    mailbox = tmp_path / "mailbox"
    marker = tmp_path / "crash-once"
    marker.touch()
    send_log = tmp_path / "sends.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "1",
        "EMAIL_BACKEND": "tests.fakes.mail.CrashAfterSendBackend",
        "EMAIL_FILE_PATH": str(mailbox),
        "CRASH_AFTER_SEND": str(marker),
        "SEND_LOG": str(send_log),
        # Longer than starting a process takes on a loaded machine; the test
        # moves the claim back in time rather than waiting for it to run out.
        "OUTBOX_LEASE_SECONDS": "30",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    env.pop("SECRET_KEY", None)

    def outbox_send() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "outbox_send"], cwd=ROOT, env=env, capture_output=True, timeout=60
        )

    crashed = outbox_send()
    assert crashed.returncode == 137, crashed.stderr.decode()[-2000:]
    row = SentEmail.objects.get(order=order, kind=EmailKind.CONFIRMATION)
    assert row.state == EmailState.SENDING  # sent, not marked
    assert len(_mailbox(mailbox)) == 1

    # Within the lease nobody sends it again (its sender might be alive).
    assert outbox_send().returncode == 0
    assert len(send_log.read_text().split()) == 1
    SentEmail.objects.filter(pk=row.pk).update(claimed_at=F("claimed_at") - timedelta(seconds=31))
    recovered = outbox_send()
    assert recovered.returncode == 0, recovered.stderr.decode()[-2000:]

    row.refresh_from_db()
    assert row.state == EmailState.SENT and row.attempts == 2
    assert len(send_log.read_text().split()) == 2  # the provider saw it twice...
    messages = _mailbox(mailbox)
    assert len({m["Message-ID"] for m in messages}) == 1  # ...as one message,
    assert len(messages) == 1  # and the customer's mailbox holds one.
    assert messages[0]["Message-ID"] == row.message_id
    assert messages[0]["To"] == order.email
    assert outbox_send().returncode == 0
    assert len(send_log.read_text().split()) == 2


@pytest.mark.parametrize("kind", [EmailKind.CONFIRMATION])
def test_each_email_is_written_once_per_order(paid_order, post_event, outbox_flush, kind):
    order = paid_order()
    post_event(checkout_event(order, event_id="evt_again"))
    order_services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
    assert SentEmail.objects.filter(order=order, kind=kind).count() == 1
    assert outbox_flush() == 1
    assert outbox_flush() == 0
    assert len(mail.outbox) == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.QUEUED


def test_two_senders_never_claim_the_same_email(transactional_db, make_order):
    """Two housekeepers (BOOK_WORKERS=2) claiming at once split the outbox."""
    import threading

    from django.db import connection

    from orders import emails
    from orders.outbox import outbox_claim

    for i in range(20):
        emails.email_queue(order=make_order(email=f"p{i}@example.com"), kind=EmailKind.CONFIRMATION)
    claimed: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claim(slot: int) -> None:
        try:
            start.wait()
            for _ in range(10):
                claimed[slot] += [row.pk for row in outbox_claim(limit=3)]
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 20
    assert SentEmail.objects.filter(state=EmailState.SENDING, attempts=1).count() == 20
