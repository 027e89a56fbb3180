"""The whole container on a 512 MB host, measured as the kernel counts it.

`bin/start` (migrations, the web server and the django-q2 worker, as one process
tree) runs inside a memory cgroup limited to 512 MB, in production settings,
with the Gemini provider: the real google-genai SDK talks to the fake Gemini
server (tests/fakes/gemini.py) drawing 2400-pixel images ("2K", sent as
4 MB PNGs) after a latency per call, and checkout goes through the fake Stripe. Five parents
order through the web form, then Stripe's five payment events arrive in the
same second. The run ends when every book is delivered and its email sent.

Printed for BOOK_WORKERS=1 and 2, side by side: books delivered, the time it
took, the cgroup's peak memory (memory.max_usage_in_bytes on cgroup v1,
memory.peak on v2: page cache included, as the limit counts it), the peak of
anonymous memory sampled meanwhile (what cannot be reclaimed), the number of
processes the kernel killed for memory, and how long SIGTERM took to stop it
all. Needs root (to make the cgroup); it says so and skips otherwise.
"""

import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import free_port, production_env  # noqa: E402
from tests.fakes.gemini import FakeGemini  # noqa: E402
from tests.fakes.stripe import FakeStripe  # noqa: E402

LIMIT_MB = 512
BOOKS = 5
# Free previews asked for while the books are drawn, one every PREVIEW_EVERY s.
PREVIEWS = 3
PREVIEW_EVERY = 5.0
CALL_LATENCY = 1.5  # seconds per fake Gemini call (real ones take 20 to 45 s)
# Bytes of each image the fake sends: a 2K PNG of a detailed drawing is a few
# MB, and every call in flight holds it several times (JSON, base64, bytes).
IMAGE_BYTES = 4_000_000
WEBHOOK_SECRET = "whsec_bench"  # noqa: S105 - signs the bench's own events
DEADLINE = 600


class MemoryCgroup:
    """A memory cgroup with a hard limit, v2 where the memory controller is
    on the unified hierarchy, v1 otherwise."""

    def __init__(self, name: str, limit_mb: int) -> None:
        self.v2 = self._v2_root()
        if self.v2:
            self.path = self.v2 / name
            self.path.mkdir()
            (self.path / "memory.max").write_text(str(limit_mb * 1024 * 1024))
            with contextlib.suppress(OSError):
                (self.path / "memory.swap.max").write_text("0")
        else:
            self.path = Path("/sys/fs/cgroup/memory") / name
            self.path.mkdir()
            (self.path / "memory.limit_in_bytes").write_text(str(limit_mb * 1024 * 1024))
            with contextlib.suppress(OSError):
                (self.path / "memory.memsw.limit_in_bytes").write_text(str(limit_mb * 1024 * 1024))

    @staticmethod
    def _v2_root() -> Path | None:
        for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
            controllers = root / "cgroup.controllers"
            if controllers.exists() and "memory" in controllers.read_text().split():
                return root
        return None

    @staticmethod
    def available() -> str | None:
        """Why a cgroup cannot be made here, or None."""
        if os.geteuid() != 0:
            return "needs root to create a memory cgroup"
        if MemoryCgroup._v2_root() is None and not Path("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists():
            return "no memory cgroup controller (v1 or v2) is mounted"
        return None

    def join(self) -> None:
        """Move the calling process (a child, before exec) into the cgroup."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        return [int(pid) for pid in (self.path / "cgroup.procs").read_text().split()]

    def peak_bytes(self) -> int:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        return int((self.path / name).read_text())

    def anon_bytes(self) -> int:
        stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        return int(stat["anon"] if self.v2 else stat["rss"])

    def oom_kills(self) -> int:
        name = "memory.events" if self.v2 else "memory.oom_control"
        values = dict(line.split() for line in (self.path / name).read_text().splitlines())
        return int(values.get("oom_kill", 0))

    def remove(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not self.pids():
                break
            time.sleep(0.05)
        self.path.rmdir()


def _signature(payload: bytes) -> str:
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# What a parent types in the order form.
ORDER_FIELDS = {
    "email": "parent@example.com",
    "theme": "dinosaurs having a picnic",
    "child_name": "Mia",
    "age_group": "kids",
    "paper_size": "letter",
}


class Shop:
    """HTTP to the shop as a browser behind Render's TLS proxy speaks it."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                method, path, body=body, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1", **(headers or {})}
            )
            response = connection.getresponse()
            # Header names as they are usually written ("Set-Cookie": hypercorn
            # sends them in lower case), repeated ones joined.
            headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.title()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            return response.status, headers, response.read()
        finally:
            connection.close()

    def form_post(self, path: str, fields: dict) -> str:
        """Post the storefront's form to `path` as a browser does (its CSRF
        cookie and token): the Location it answers."""
        _, headers, page = self.request("GET", "/")
        cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, headers, _ = self.request(
            "POST",
            path,
            urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "Referer": "https://127.0.0.1/",
            },
        )
        if status != 303:
            raise RuntimeError(f"{path} answered {status}")
        return headers.get("Location", "")

    def order(self, number: int, path: str = "/order/") -> None:
        self.form_post(path, {**ORDER_FIELDS, "email": f"parent{number}@example.com"})

    def pay(self, session: dict, number: int) -> int:
        event = {
            "id": f"evt_bench_{number}_{session['id']}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "data": {
                "object": {
                    **session,
                    "payment_status": "paid",
                    "status": "complete",
                    "payment_intent": f"pi_bench_{number}_{session['id'][-8:]}",
                }
            },
        }
        payload = json.dumps(event).encode()
        status, _, _ = self.request(
            "POST",
            "/api/webhook",
            payload,
            {"Content-Type": "application/json", "Stripe-Signature": _signature(payload)},
        )
        return status


def _tree_stopped_within(root: int, cgroup: MemoryCgroup, limit: float) -> float | None:
    """Seconds until every process of the container is gone after SIGTERM to
    the parent, or None if some outlived the limit."""
    started = time.perf_counter()
    os.kill(root, signal.SIGTERM)
    while time.perf_counter() - started < limit:
        if not cgroup.pids():
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


def container_run(
    book_workers: int,
    gemini: FakeGemini,
    stripe: FakeStripe,
    *,
    previews: int = PREVIEWS,
    env_extra: dict | None = None,
) -> dict:
    port = free_port()
    shop = Shop(port)
    with tempfile.TemporaryDirectory(prefix="bench-container-") as folder:
        env = {
            **production_env(folder),
            "PORT": str(port),
            "STRIPE_API_BASE": stripe.url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "IMAGE_PROVIDER": "gemini",
            "GEMINI_API_KEY": gemini.api_key,
            "GEMINI_BASE_URL": gemini.url,
            "BOOK_IMAGE_SIZE": "2048",
            "BOOK_WORKERS": str(book_workers),
            "ORDER_RATE_LIMIT_PER_HOUR": "0",
            "PREVIEWS_PER_ADDRESS_PER_DAY": "100",
            "PREVIEW_DAILY_SPEND_CENTS": "100000",
            **(env_extra or {}),
        }
        cgroup = MemoryCgroup(f"bookshop-bench-{os.getpid()}-{book_workers}", LIMIT_MB)
        log_path = Path(folder) / "container.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bin" / "start")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=cgroup.join,  # noqa: PLW1509 - the child joins the cgroup before exec
        )
        anon_peak = 0
        sampling = threading.Event()

        def sample() -> None:
            nonlocal anon_peak
            while not sampling.wait(0.1):
                with contextlib.suppress(OSError, KeyError, ValueError):
                    anon_peak = max(anon_peak, cgroup.anon_bytes())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        result = {"workers": book_workers, "delivered": 0, "emails": 0}
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if shop.request("GET", "/healthz")[0] == 200:
                        break
                if process.poll() is not None:
                    log.flush()
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"bin/start exited with {process.returncode}:\n{tail}")
                time.sleep(0.2)
            else:
                raise RuntimeError("the shop never became healthy")
            made_before = len(stripe.created)
            for number in range(BOOKS):
                shop.order(number)
            sessions = [obj for obj in stripe.created[made_before:] if obj["object"] == "checkout.session"]
            started = time.perf_counter()
            with ThreadPoolExecutor(BOOKS) as pool:
                answers = list(pool.map(shop.pay, sessions, range(BOOKS)))
            result["webhooks"] = answers

            def ask_previews() -> None:
                # Visitors ask for previews while the paid books are drawn.
                for number in range(previews):
                    time.sleep(PREVIEW_EVERY)
                    shop.order(100 + number, path="/preview/")

            asker = threading.Thread(target=ask_previews, daemon=True)
            asker.start()
            database = Path(folder) / "db.sqlite3"
            while time.perf_counter() - started < DEADLINE:
                with sqlite3.connect(database, timeout=30) as db:
                    result["delivered"] = db.execute(
                        "SELECT count(*) FROM orders_order WHERE status = 'delivered'"
                    ).fetchone()[0]
                    result["emails"] = _delivery_emails_sent(db)
                    result["previews"] = db.execute(
                        "SELECT count(*) FROM generator_job WHERE kind = 'preview' AND status = 'done'"
                    ).fetchone()[0]
                done = result["delivered"] == BOOKS and result["emails"] == BOOKS
                if done and result["previews"] >= previews:
                    break
                if process.poll() is not None:
                    break
                time.sleep(0.5)
            result["seconds"] = time.perf_counter() - started
            with sqlite3.connect(database, timeout=30) as db:
                # Each book's own time, claimed to stored PDF (SQLite keeps
                # the timestamps as text), and when the last one was delivered.
                result["book_seconds"] = [
                    row[0] * 86400
                    for row in db.execute(
                        "SELECT julianday(finished_at) - julianday(started_at) FROM generator_job"
                        " WHERE kind = 'book' AND status = 'done'"
                    )
                ]
            result["oom_kills"] = cgroup.oom_kills()
            result["peak_mb"] = cgroup.peak_bytes() / 2**20
            result["anon_peak_mb"] = anon_peak / 2**20
            result["stop_seconds"] = _tree_stopped_within(process.pid, cgroup, 15)
        finally:
            sampling.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            log.close()
            cgroup.remove()
    return result


def _delivery_emails_sent(db: sqlite3.Connection) -> int:
    """Delivery emails marked sent, whatever the email table's shape."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(orders_sentemail)")}
    sent = " AND sent_at IS NOT NULL" if "state" in columns or "status" in columns else ""
    return db.execute(f"SELECT count(*) FROM orders_sentemail WHERE kind = 'delivery'{sent}").fetchone()[0]  # noqa: S608


def run() -> None:
    why_not = MemoryCgroup.available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    if not (ROOT / "bin" / "start").exists():
        print("skipped: bin/start is missing")
        return
    gemini = FakeGemini().start()
    gemini.latency = CALL_LATENCY
    gemini.image_long_side = 2400
    gemini.image_bytes = IMAGE_BYTES
    stripe = FakeStripe().start()
    print(
        f"{BOOKS} orders paid in the same second, then {PREVIEWS} free previews asked for {PREVIEW_EVERY:.0f} s apart;"
        f" the container in a {LIMIT_MB} MB memory cgroup; Gemini provider"
        f" (fake server, {CALL_LATENCY} s a call, 2400-pixel images of {IMAGE_BYTES / 1e6:.0f} MB,"
        " books of 2048 pixels)"
    )
    print(
        f"{'BOOK_WORKERS':>12} {'delivered':>9} {'emails':>6} {'previews':>8} {'time':>7} {'peak':>8}"
        f" {'anon peak':>9} {'OOM':>4} {'stop':>6}"
    )
    try:
        for workers in (1, 2):
            r = container_run(workers, gemini, stripe)
            stop = f"{r['stop_seconds']:.1f}s" if r["stop_seconds"] is not None else ">15s"
            print(
                f"{workers:>12} {r['delivered']:>7}/{BOOKS} {r['emails']:>4}/{BOOKS}"
                f" {r.get('previews', 0):>6}/{PREVIEWS} {r['seconds']:>6.0f}s"
                f" {r['peak_mb']:>5.0f} MB {r['anon_peak_mb']:>6.0f} MB {r['oom_kills']:>4} {stop:>6}",
                flush=True,
            )
    finally:
        gemini.stop()
        stripe.stop()
    print("peak: the cgroup's own high-water mark (page cache included); anon: anonymous memory, sampled every 0.1 s")
