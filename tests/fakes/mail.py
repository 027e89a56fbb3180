"""Mail backends standing in for a mail provider: slow, failing, crashing,
or checking it is never called inside a transaction. The bench uses the
slow one too (EMAIL_BACKEND=tests.fakes.mail.SlowMailboxBackend)."""

import os
import threading
import time
from pathlib import Path

from django.core.mail.backends import locmem
from django.db import connection

from bookshop import mailbox

# Seconds a slow provider takes per message (the 2 s provider).
SLOW_SECONDS = float(os.environ.get("SLOW_EMAIL_SECONDS", "2"))


class SlowLocmemBackend(locmem.EmailBackend):
    """django.core.mail.outbox, 2 s a message; records the threads it ran on."""

    threads: list[str] = []

    def send_messages(self, messages):
        SlowLocmemBackend.threads.append(threading.current_thread().name)
        time.sleep(SLOW_SECONDS)
        return super().send_messages(messages)


class SlowMailboxBackend(mailbox.EmailBackend):
    """The local mailbox, 2 s a message (bench and worker tests)."""

    def send_messages(self, messages):
        time.sleep(SLOW_SECONDS)
        return super().send_messages(messages)


class TransactionCheckingBackend(locmem.EmailBackend):
    """Records every send made while a transaction is open."""

    inside_transaction: list[str] = []

    def send_messages(self, messages):
        if connection.in_atomic_block:
            TransactionCheckingBackend.inside_transaction.extend(m.subject for m in messages)
        return super().send_messages(messages)


class FailingBackend(locmem.EmailBackend):
    """A provider that is down while `down` is set."""

    down = True
    calls = 0

    def send_messages(self, messages):
        FailingBackend.calls += 1
        if FailingBackend.down:
            raise ConnectionError("mail provider unreachable")
        return super().send_messages(messages)


class CrashAfterSendBackend(mailbox.EmailBackend):
    """Delivers to the mailbox, then, when the file CRASH_AFTER_SEND names
    exists, removes it and kills the process at once (os._exit: no cleanup,
    no commit), as a kill -9 right after the provider accepted would."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        calls = Path(os.environ["SEND_LOG"])
        with calls.open("a") as log:
            log.write(f"{os.getpid()}\n")
        marker = Path(os.environ.get("CRASH_AFTER_SEND", "/nonexistent"))
        if marker.exists():
            marker.unlink()
            os._exit(137)
        return sent
