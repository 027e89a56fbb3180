"""Sending the outbox: claim due rows, send each outside any transaction,
mark it sent, retry failures with exponential backoff.

Exactly once, as far as a sender can promise it:
- A row is claimed (state sending, claimed_at, attempts + 1) in its own
  committed transaction, race-free between senders (`skip_locked` on
  PostgreSQL; SQLite serializes writers), so one sender sends it.
- It is sent with the row's fixed Message-ID, then marked sent.
- A sender that dies between handing the message over and marking it leaves
  the row in `sending`; after OUTBOX_LEASE_SECONDS another sender sends it
  again with the SAME Message-ID. That window (the backend accepted, the mark
  not yet committed) is the only way a second copy can leave, and that copy
  is the same message: the local file mailbox keeps one file per Message-ID,
  and receivers and ESPs that deduplicate by it show one.
- The lease must exceed the longest send (the backend's own timeout), or a
  slow send would be taken over while still running.

Only the worker calls this (bookshop/housekeeping.py, `manage.py outbox_send`).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookshop.dbconnections import connection_give_back
from orders import emails
from orders.models import EmailState, SentEmail

logger = logging.getLogger(__name__)


def _inside_transaction() -> bool:
    """Inside atomic(), not counting the transaction a test case wraps
    itself in (Django marks it `_from_testcase`)."""
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def outbox_due() -> QuerySet[SentEmail]:
    """Rows a sender may take now: pending and due, or left `sending` by a
    sender that has not marked them within the lease (presumed dead)."""
    now = timezone.now()
    lease_over = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    return SentEmail.objects.filter(
        Q(state=EmailState.PENDING, next_attempt_at__lte=now) | Q(state=EmailState.SENDING, claimed_at__lt=lease_over)
    )


def outbox_failing() -> QuerySet[SentEmail]:
    """What staff should look at: failed for good, or failing and retrying."""
    return SentEmail.objects.filter(Q(state=EmailState.FAILED) | Q(state=EmailState.PENDING, attempts__gt=0))


def _backoff(attempts: int) -> timedelta:
    seconds = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.OUTBOX_BACKOFF_MAX_SECONDS))


def outbox_claim(*, limit: int) -> list[SentEmail]:
    """Take up to `limit` due rows for this sender, oldest due first, in one
    committed transaction. A row whose lease ran out after its last allowed
    attempt is failed instead of being sent again."""
    if limit <= 0:
        return []
    claimed: list[SentEmail] = []
    with transaction.atomic():
        rows = list(
            outbox_due()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("order")
            .order_by("next_attempt_at", "id")[:limit]
        )
        now = timezone.now()
        for row in rows:
            if row.state == EmailState.SENDING and row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                row.state = EmailState.FAILED
                row.claimed_at = None
                row.last_error = (
                    f"The sender stopped (crash or kill) during attempt {row.attempts}; it may have gone out."
                )
                row.save(update_fields=["state", "claimed_at", "last_error"])
                logger.error("email %s (%s) failed for good: %s", row.pk, row, row.last_error)
                continue
            if row.state == EmailState.SENDING:
                logger.warning("email %s: its sender stopped mid-send; sending again, same Message-ID", row.pk)
            row.state = EmailState.SENDING
            row.claimed_at = now
            row.attempts += 1
            row.save(update_fields=["state", "claimed_at", "attempts"])
            claimed.append(row)
    return claimed


def outbox_send(*, email: SentEmail) -> bool:
    """Send one claimed row and record the outcome. Never inside a
    transaction: the message leaves before anything is locked or written."""
    if _inside_transaction():
        raise RuntimeError("Emails are sent outside transactions: a slow mail provider must never hold a lock.")
    claim = SentEmail.objects.filter(pk=email.pk, state=EmailState.SENDING, claimed_at=email.claimed_at)
    try:
        message, attached = emails.email_build(email=email)
        connection_give_back()  # a slow mail provider holds no database connection
        message.send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            claim.update(state=EmailState.FAILED, claimed_at=None, last_error=error)
            logger.error("email %s (%s) failed for good after %s attempts: %s", email.pk, email, email.attempts, error)
        else:
            retry_at = timezone.now() + _backoff(email.attempts)
            claim.update(state=EmailState.PENDING, claimed_at=None, last_error=error, next_attempt_at=retry_at)
            logger.warning(
                "email %s (%s) attempt %s failed, retry at %s: %s", email.pk, email, email.attempts, retry_at, error
            )
        return False
    marked = claim.update(state=EmailState.SENT, sent_at=timezone.now(), claimed_at=None, attached_pdf=attached)
    if not marked:
        logger.warning("email %s was sent after its lease ran out; another sender may have sent it too", email.pk)
    logger.info("email %s sent: %s %s", email.pk, email, email.message_id)
    return True


def outbox_send_due(*, limit: int = 50) -> int:
    """Send what is due, one after another in this thread (the management
    command and tests; the worker's thread sends several at once). Returns
    how many were sent."""
    sent = 0
    while limit > 0:
        batch = outbox_claim(limit=min(limit, 10))
        if not batch:
            break
        limit -= len(batch)
        sent += sum(outbox_send(email=email) for email in batch)
    return sent


def outbox_retry(*, email: SentEmail) -> bool:
    """Staff retry of a failed email: a fresh set of attempts, due now."""
    return bool(
        SentEmail.objects.filter(pk=email.pk, state=EmailState.FAILED).update(
            state=EmailState.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
    )
