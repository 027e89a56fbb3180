"""Shared fixtures: real database, temporary media, small images, a signed
Stripe delivery helper, a finished book made once per test session, and a
real django-q2 worker process when needed."""

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

from orders import services as order_services
from orders.models import Order, OrderStatus

# The fake Stripe and Gemini servers' fixtures: fake_stripe, fake_gemini.
pytest_plugins = ["tests.fakes.stripe", "tests.fakes.gemini"]

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_SECRET = "whsec_test_secret"
# What a parent types in the order form.
ORDER_FORM = {
    "email": "parent@example.com",
    "theme": "dinosaurs having a picnic",
    "child_name": "Mia",
    "age_group": "kids",
    "paper_size": "letter",
}


# The shop as every test sees it (tmp_path/media holds its files).
SHOP_SETTINGS = {
    # Small images: a book is made in about a second. Tests of image sizes
    # and resolutions set their own.
    "BOOK_IMAGE_SIZE": 256,
    "IMAGE_PROVIDER": "offline",
    "OFFLINE_IMAGE_LATENCY": 0,
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "STRIPE_SECRET_KEY": None,
    "DEMO_CHECKOUT": True,
    "SITE_URL": "http://shop.test",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    # The heartbeat thread writes (and its watcher reads) on its own
    # connection, which would wait on a test transaction's lock and not see
    # its rows; in-process tests never need it to beat or watch (the ones on
    # a committed database, tests/generator/test_cancel.py, turn it on).
    "JOB_HEARTBEAT_SECONDS": 3600,
    "JOB_WATCH_SECONDS": 3600,
}


@pytest.fixture(autouse=True)
def _shop_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for name, value in SHOP_SETTINGS.items():
        setattr(settings, name, value)
    # A request leaves its language active in the thread (LocaleMiddleware
    # never deactivates it): every test starts from the default, English.
    translation.deactivate()
    yield settings
    translation.deactivate()


@pytest.fixture
def make_order(db) -> Callable[..., Order]:
    def factory(**fields) -> Order:
        values = {**ORDER_FORM, **fields}
        return order_services.order_create(**values)

    return factory


@pytest.fixture
def paid_order(make_order, django_capture_on_commit_callbacks) -> Callable[..., Order]:
    def factory(**fields) -> Order:
        order = make_order(**fields)
        with django_capture_on_commit_callbacks(execute=True):
            order_services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
        order.refresh_from_db()
        return order

    return factory


# A finished book, made once ---------------------------------------------------


class MadeBook:
    """What making a book left behind: its rows (a Django fixture) and its
    files. Put back in a test's database and media folder, it is the book as
    the worker left it: order delivered, job done, twelve pages drawn, the
    PDF stored, the confirmation and delivery emails waiting in the outbox."""

    def __init__(self, folder: Path) -> None:
        self.rows = folder / "book.json"
        self.media = folder / "media"

    def make(self, **fields) -> None:
        """Order, pay and make the book in a transaction that is rolled back:
        the database is left as it was, the rows and files are kept here."""
        from generator import tasks

        with override_settings(**SHOP_SETTINGS, MEDIA_ROOT=str(self.media)), transaction.atomic():
            assert not Order.objects.exists(), "the book is made on an empty database"
            order = order_services.order_create(**{**ORDER_FORM, **fields})
            order_services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
            tasks.job_run_next()
            order.refresh_from_db()
            assert order.status == OrderStatus.DELIVERED, order.job.error
            call_command("dumpdata", "orders", "generator", output=str(self.rows), verbosity=0)
            transaction.set_rollback(True)

    def put_back(self, media_root: str) -> Order:
        """The book's rows in this test's database (its transaction), its
        files in this test's media folder: a test may change both."""
        shutil.copytree(self.media, media_root, dirs_exist_ok=True)
        call_command("loaddata", str(self.rows), verbosity=0)
        [order] = [row for row in json.loads(self.rows.read_text()) if row["model"] == "orders.order"]
        return Order.objects.get(pk=order["pk"])


@pytest.fixture(scope="session")
def _book_made_once(django_db_setup, django_db_blocker, tmp_path_factory) -> MadeBook:
    book = MadeBook(tmp_path_factory.mktemp("book"))
    with django_db_blocker.unblock():
        book.make()
    return book


@pytest.fixture
def finished_book(db, settings, _book_made_once) -> Order:
    """An order of ORDER_FORM whose book the worker made and delivered (its
    emails not sent yet), made once for the whole run and put back for each
    test that asks: for tests that read the book, or change it, not for
    tests of how it is made."""
    return _book_made_once.put_back(settings.MEDIA_ROOT)


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe computes for a payload."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def checkout_event(order: Order, *, event_id: str, type: str = "checkout.session.completed", **session) -> dict:
    """A Stripe event as Stripe sends it, trimmed to what the shop reads."""
    obj = {
        "id": f"cs_test_{order.token[:12]}",
        "object": "checkout.session",
        "client_reference_id": order.token,
        "amount_total": order.amount_cents,
        "currency": order.currency,
        "payment_status": "paid",
        "payment_intent": f"pi_test_{order.token[:12]}",
        "status": "complete",
        "mode": "payment",
    }
    obj.update(session)
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(time.time()),
        "type": type,
        "livemode": False,
        "data": {"object": obj},
    }


@pytest.fixture
def post_event(client) -> Callable[..., object]:
    def post(event: dict, *, signature: str | None = None):
        payload = json.dumps(event).encode()
        return client.post(
            "/api/webhook",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_signature(payload) if signature is None else signature,
        )

    return post


@pytest.fixture
def outbox_flush(db) -> Callable[[], int]:
    """Send what the outbox holds, here, as the worker's thread would."""
    from orders.outbox import outbox_send_due

    return outbox_send_due


@pytest.fixture
def failing_mail(settings):
    """The mail provider is down (tests.fakes.mail.FailingBackend raises on
    every send) until the test sets `failing_mail.down = False`."""
    from tests.fakes.mail import FailingBackend

    settings.EMAIL_BACKEND = "tests.fakes.mail.FailingBackend"
    FailingBackend.down, FailingBackend.calls = True, 0
    yield FailingBackend
    FailingBackend.down, FailingBackend.calls = True, 0


# A real worker -------------------------------------------------------------


def _database_url() -> str:
    """The test database, as a URL another process can open."""
    conf = connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    return (
        f"postgres://{conf['USER'] or 'postgres'}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"
    )


class Worker:
    """`manage.py qcluster` in its own process group, on the test database."""

    def __init__(self, settings, tmp_path: Path, **env: str) -> None:
        self.outbox = tmp_path / "outbox"
        self.log = tmp_path / "worker.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            "EMAIL_BACKEND": "bookshop.mailbox.EmailBackend",
            "EMAIL_FILE_PATH": str(self.outbox),
            "BOOK_IMAGE_SIZE": str(settings.BOOK_IMAGE_SIZE),
            "IMAGE_PROVIDER": settings.IMAGE_PROVIDER,
            "SITE_URL": settings.SITE_URL,
            "DEBUG": "1",
            **env,
        }
        self.env.pop("SECRET_KEY", None)
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole process group, as the OOM killer or `kill -9` would."""
        if self.process:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """A graceful stop, as a deploy does: SIGTERM to the cluster."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        self.kill()

    def emails(self) -> list[str]:
        if not self.outbox.exists():
            return []
        files = sorted(self.outbox.glob("*.eml"), key=lambda path: path.stat().st_mtime)
        return [path.read_text(errors="replace") for path in files]


@pytest.fixture
def worker(transactional_db, settings, tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def factory(**env: str) -> Worker:
        w = Worker(settings, tmp_path, **env)
        started.append(w)
        return w

    yield factory
    for w in started:
        w.stop()


def wait_until(predicate: Callable[[], object], *, timeout: float = 60, interval: float = 0.2, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
