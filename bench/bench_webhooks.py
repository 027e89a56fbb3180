"""A burst of Stripe webhooks with a slow mail provider.

Starts the shop as production runs it (`bin/start` with its defaults:
the web server (one process with threads), and a django-q2 cluster with
BOOK_WORKERS=1) on a fresh SQLite
database, with a mail backend that takes 2 s a message
(tests/fakes/mail.py). Places 50 orders, then sends their 50 signed
checkout.session.completed events at once, and prints how fast the webhooks
were answered and how long until every confirmation was in the mailbox.
Target (issue 8): every webhook answered in under 3 s, every confirmation
out within a minute.
"""

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.support import free_port

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 50
SECRET = "whsec_bench"  # noqa: S105 (signs the bench's own events)
SUBJECT = "We're drawing your coloring book"


def _signed(event: dict) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    timestamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={digest}"


def _event(token: str, amount: int, currency: str, n: int) -> dict:
    session = {
        "id": f"cs_bench_{n}",
        "object": "checkout.session",
        "client_reference_id": token,
        "amount_total": amount,
        "currency": currency,
        "payment_status": "paid",
        "payment_intent": f"pi_bench_{n}",
    }
    return {"id": f"evt_bench_{n}", "type": "checkout.session.completed", "data": {"object": session}}


def _post(url: str, event: dict) -> tuple[float, int]:
    payload, signature = _signed(event)
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json", "Stripe-Signature": signature}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except Exception:
        status = 0
    return time.monotonic() - started, status


def _confirmations(mailbox: Path) -> int:
    return sum(SUBJECT in p.read_text(errors="replace") for p in mailbox.glob("*.eml")) if mailbox.exists() else 0


def run() -> None:
    var = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    mailbox = var / "outbox"
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "EMAIL_BACKEND": "tests.fakes.mail.SlowMailboxBackend",
        "EMAIL_FILE_PATH": str(mailbox),
        "SLOW_EMAIL_SECONDS": "2",
        "BOOK_WORKERS": "1",
        "OFFLINE_IMAGE_LATENCY": "1",  # books take a while: the worker is busy
        "ORDER_RATE_LIMIT_PER_HOUR": "0",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SECRET_KEY", None)
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    # Orders as the storefront makes them (pending payment), written directly.
    setup = (
        "import django; django.setup()\n"
        "from orders.services import order_create\n"
        "import json\n"
        f"print(json.dumps([(o.token, o.amount_cents, o.currency) for o in [order_create(email=f'p{{i}}@example.com', "
        f"theme='dinosaurs', child_name='', age_group='kids', paper_size='letter') for i in range({ORDERS})]]))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "bookshop.settings"
    orders = json.loads(
        subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True).stdout
    )

    log = (var / "processes.log").open("ab")
    # The container's own command: migrations, the web server and qcluster with
    # bin/start's defaults (WEB_CONCURRENCY, WEB_THREADS).
    shop = subprocess.Popen(
        [sys.executable, str(ROOT / "bin" / "start")],
        cwd=ROOT, env={**env, "PORT": str(port), "WEB_HOST": "127.0.0.1"}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/api/webhook"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except Exception:
                time.sleep(0.2)
        time.sleep(2)  # let the worker start its housekeeping thread
        events = [_event(token, amount, currency, n) for n, (token, amount, currency) in enumerate(orders)]
        burst = time.monotonic()
        with ThreadPoolExecutor(max_workers=ORDERS) as pool:
            results = list(pool.map(lambda event: _post(url, event), events))
        times = sorted(seconds for seconds, _ in results)
        failed = sum(status != 200 for _, status in results)
        confirmed_after = None
        while time.monotonic() - burst < 180:
            if _confirmations(mailbox) >= ORDERS:
                confirmed_after = time.monotonic() - burst
                break
            time.sleep(0.25)
        database = sqlite3.connect(var / "db.sqlite3")
        sent = database.execute("select count(*) from orders_sentemail where state = 'sent'").fetchone()[0]
        database.close()
    finally:
        try:
            shop.send_signal(signal.SIGTERM)
            shop.wait(timeout=15)
        except Exception:
            os.killpg(shop.pid, signal.SIGKILL)
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    print(f"{ORDERS} signed checkout.session.completed at once, mail provider 2 s a message")
    print("bin/start with its defaults (web server: 1 process with threads, qcluster BOOK_WORKERS=1), SQLite")
    print(f"answered: p50 {statistics.median(times):.2f} s, p99 {p99:.2f} s, max {times[-1]:.2f} s; failed {failed}")
    outcome = f"{confirmed_after:.1f} s" if confirmed_after is not None else "not within 180 s"
    print(f"every confirmation in the mailbox after {outcome} ({_confirmations(mailbox)} files, {sent} rows sent)")
    answered_ok = times[-1] < 3 and not failed
    confirmed_ok = confirmed_after is not None and confirmed_after < 60
    print(
        f"target: all answered < 3 s: {'yes' if answered_ok else 'NO'}; "
        f"all confirmations < 60 s: {'yes' if confirmed_ok else 'NO'}"
    )


if __name__ == "__main__":
    run()
