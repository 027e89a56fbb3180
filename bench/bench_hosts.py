"""Three worker hosts on PostgreSQL and Redis, one killed with SIGKILL mid-book.

Each "host" is its own process tree (`manage.py qcluster` in a new session)
with its own WORKER_HOST, HOST_LOCK_DIR and BOOK_WORKERS, all on the same
PostgreSQL database, the same Redis queue, the same media folder (object
storage, as far as the hosts can tell) and the same shop-wide GEMINI_RPM
budget. They draw with the Gemini provider, through the real google-genai
SDK, against the fake Gemini server (tests/fakes/gemini.py) answering in 20
to 45 s a call scaled down by SCALE (the bench prints it), as are the
client's timeout, its backoff and the account's quota.

Orders are paid at once; when the first book is a third drawn, its host is
killed with SIGKILL (its whole process tree, as a machine dies). The run
ends when every order is delivered and its email sent. Printed, side by
side, without faults and with 30% of image calls failing (429, 503, or a
hang past the client's timeout): orders delivered, delivery emails per order
(must be exactly one), how long after the kill each of the dead host's books
was taken over, the time to the last delivery, Gemini calls and images drawn
twice (only calls in flight at the kill may be), faults served, and the most
calls started in any minute (scaled) against the budget.

Needs PostgreSQL (BENCH_DATABASE_URL, default a `bookshop_bench_hosts`
database on 127.0.0.1, dropped and made again) and Redis (BENCH_REDIS_URL,
default redis://127.0.0.1:6379/13); it says so and skips otherwise.
`make bench-hosts` runs it alone.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.gemini import ACTIVITIES, COLORING, COVER, LINE_ART, PLAN, FakeGemini  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bookshop_bench_hosts")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
HOSTS = 3
BOOK_WORKERS = 2  # per host
BOOKS = 4
# Real calls take 20 to 45 s; everything that is a duration of the API
# (latency, timeout, backoff, the quota's minute) is divided by this.
SCALE = 30
LATENCY = (20 / SCALE, 45 / SCALE)
TIMEOUT = 120 / SCALE
HANG = 180 / SCALE  # a hung call: past the client's timeout
QUOTA_RPM = 10  # the account's quota, per real minute: low enough to bind here
FAULT_RATE = 0.3
BUDGET_MINUTES = 5  # the window the budget is checked over (scaled minutes)
# Failure detection is not scaled: a heartbeat every 2 s, a job taken over
# once its heartbeat is 10 s old (60 s in production), swept every 2 s.
STALE_SECONDS = 10
DEADLINE = 600
THEMES = ["dinosaurs", "robots", "pirates", "unicorns", "astronauts", "dragons"]

PLACE_ORDERS = """
import json, sys
import django
django.setup()
from orders import services
ids = []
for i, theme in enumerate(sys.argv[1:]):
    order = services.order_create(email=f"parent{i}@example.com", theme=theme, child_name="Mia",
                                  age_group="kids", paper_size="letter")
    services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
    ids.append(order.pk)
print(json.dumps(ids))
"""


def _available() -> str | None:
    try:
        import psycopg
        import redis
    except ImportError as exc:
        return f"needs {exc.name}"
    try:
        redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return f"no Redis at {REDIS_URL} (set BENCH_REDIS_URL)"
    try:
        psycopg.connect(_admin_url(), connect_timeout=2, autocommit=True).close()
    except psycopg.Error:
        return f"no PostgreSQL for {DATABASE_URL} (set BENCH_DATABASE_URL)"
    return None


def _admin_url() -> str:
    return DATABASE_URL.rsplit("/", 1)[0] + "/postgres"


def _database_make() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


class Run:
    """One run: the hosts, the orders, the kill, and what the fake saw."""

    def __init__(self, gemini: FakeGemini, folder: Path, faults: float) -> None:
        self.gemini = gemini
        self.folder = folder
        self.faults = faults
        self.queue = f"bench-hosts-{secrets.token_hex(4)}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "S3_BUCKET"}},
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "bookshop.settings",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "Q_CLUSTER_NAME": self.queue,
            "VAR_DIR": str(folder),
            "MEDIA_ROOT": str(folder / "media"),  # shared, as a bucket is
            "EMAIL_BACKEND": "bookshop.mailbox.EmailBackend",
            "EMAIL_FILE_PATH": str(folder / "outbox"),
            "IMAGE_PROVIDER": "gemini",
            "GEMINI_API_KEY": gemini.api_key,
            "GEMINI_BASE_URL": gemini.url,
            "GEMINI_TIMEOUT": f"{TIMEOUT:.2f}",
            "GEMINI_BACKOFF_BASE": f"{2.0 / SCALE:.3f}",
            "GEMINI_BACKOFF_MAX": f"{60.0 / SCALE:.3f}",
            "GEMINI_RETRY_BUDGET": f"{180.0 / SCALE:.3f}",
            "GEMINI_RPM": str(QUOTA_RPM * SCALE),
            "BOOK_IMAGE_SIZE": "1024",
            "BOOK_WORKERS": str(BOOK_WORKERS),
            "JOB_STALE_SECONDS": str(STALE_SECONDS),
            "JOB_HEARTBEAT_SECONDS": "2",
            "SWEEP_SECONDS": "2",
            "OUTBOX_POLL_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
        }
        self.hosts: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def host_start(self, name: str) -> None:
        env = {**self.env, "WORKER_HOST": name, "HOST_LOCK_DIR": str(self.folder / f"locks-{name}")}
        log = (self.folder / f"{name}.log").open("ab")
        self.hosts[name] = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def host_kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.hosts[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    def stop(self) -> None:
        for process in self.hosts.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.hosts.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.host_kill(name)
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # anything left of its tree

    def run(self) -> dict:
        import psycopg
        import redis

        from generator.ratebudget import redis_key

        self.manage("flush", "--noinput")
        self.gemini.forget()
        self.gemini.fail_randomly(self.faults)
        names = [f"host-{n + 1}" for n in range(HOSTS)]
        for name in names:
            self.host_start(name)
        db = psycopg.connect(DATABASE_URL, autocommit=True)
        result: dict = {"faults": self.faults}
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                beats = db.execute("SELECT worker FROM generator_workerheartbeat").fetchall()
                if {worker.split(":")[0] for (worker,) in beats} >= set(names):
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError("the hosts never all came up")
            placed = subprocess.run(
                [sys.executable, "-c", PLACE_ORDERS, *THEMES[:BOOKS]],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
                text=True,
            )
            order_ids = json.loads(placed.stdout.strip().splitlines()[-1])
            started = time.monotonic()

            # The first book a third drawn: its host dies.
            while time.monotonic() - started < DEADLINE:
                row = db.execute(
                    "SELECT id, worker FROM generator_job WHERE kind = 'book' AND status = 'running'"
                    " AND images_done >= 8 ORDER BY images_done DESC LIMIT 1"
                ).fetchone()
                if row:
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError("no book got a third drawn")
            victim = row[1].split(":")[0]
            self.host_kill(victim)
            killed_at = time.monotonic()
            result["killed"] = victim
            orphans = [
                job_id
                for (job_id,) in db.execute(
                    "SELECT id FROM generator_job WHERE kind = 'book' AND status = 'running' AND worker LIKE %s",
                    [f"{victim}:%"],
                ).fetchall()
            ]
            theme_of = dict(db.execute("SELECT id, theme FROM generator_job WHERE kind = 'book'").fetchall())
            stored = set()
            for job_id, index, line_art, colored in db.execute(
                "SELECT job_id, index, line_art, colored FROM generator_page WHERE job_id = ANY(%s)", [orphans]
            ).fetchall():
                stored |= {
                    (theme_of[job_id], index, kind)
                    for kind, name in (("line_art", line_art), ("colored", colored))
                    if name
                }
            for job_id, cover in db.execute("SELECT id, cover FROM generator_job WHERE id = ANY(%s)", [orphans]):
                if cover:
                    stored.add((theme_of[job_id], -1, COVER))
            result["orphans"] = len(orphans)
            result["stored_at_kill"] = len(stored)

            takeovers: dict[int, float] = {}
            delivered_at = None
            while time.monotonic() - started < DEADLINE:
                for job_id, worker in db.execute(
                    "SELECT id, worker FROM generator_job WHERE id = ANY(%s)", [orphans]
                ).fetchall():
                    if job_id not in takeovers and not worker.startswith(f"{victim}:"):
                        takeovers[job_id] = time.monotonic() - killed_at
                delivered = db.execute(
                    "SELECT count(*) FROM orders_order WHERE id = ANY(%s) AND status = 'delivered'", [order_ids]
                ).fetchone()[0]
                sent = db.execute(
                    "SELECT count(*) FROM orders_sentemail WHERE kind = 'delivery' AND state = 'sent'"
                ).fetchone()[0]
                if delivered == len(order_ids) and delivered_at is None:
                    delivered_at = time.monotonic() - started
                if delivered == len(order_ids) and sent >= len(order_ids):
                    break
                time.sleep(0.2)
            time.sleep(3)  # a duplicate would be sent within a few outbox polls
            result["seconds"] = delivered_at
            result["takeovers"] = sorted(takeovers.values())
            result["delivered"] = db.execute(
                "SELECT count(*) FROM orders_order WHERE id = ANY(%s) AND status = 'delivered'", [order_ids]
            ).fetchone()[0]
            result["books"] = len(order_ids)
            per_order = dict(
                db.execute(
                    "SELECT order_id, count(*) FROM orders_sentemail WHERE kind = 'delivery' AND state = 'sent'"
                    " GROUP BY order_id"
                ).fetchall()
            )
            result["emails"] = [per_order.get(order_id, 0) for order_id in order_ids]
            mailbox = Counter(
                address
                for path in (self.folder / "outbox").glob("*.eml")
                if "Your coloring book is ready" in (text := path.read_text(errors="replace"))
                for address in re.findall(r"^To: (\S+)$", text, flags=re.MULTILINE)
            )
            result["mailbox"] = sorted(mailbox.values())
            result["attempts"] = sorted(
                n for (n,) in db.execute("SELECT attempts FROM generator_job WHERE kind = 'book'").fetchall()
            )
        finally:
            db.close()
            self.stop()
            client = redis.from_url(REDIS_URL)
            client.delete(*client.keys(f"django_q:{self.queue}:*") or ["none"], redis_key(self.queue))
        self._calls(result, stored, killed_at)
        return result

    def _calls(self, result: dict, stored: set, killed_at: float) -> None:
        calls = self.gemini.calls()
        result["calls"] = len(calls)
        result["faults_served"] = len(self.gemini.faults_served())
        drawn: Counter = Counter()
        again = 0
        for seen in self.gemini.calls(answer="ok"):
            if seen.kind == PLAN:
                continue
            theme = next((t for t in THEMES if t in seen.prompt), "?")
            index = next((i for i, activity in enumerate(ACTIVITIES) if activity in seen.prompt), -1)
            kind = {LINE_ART: "line_art", COLORING: "colored", COVER: COVER}[seen.kind]
            key = (theme, index if seen.kind != COVER else -1, kind)
            drawn[key] += 1
            if key in stored and seen.at > killed_at:
                again += 1
        result["images"] = sum(drawn.values())
        result["drawn_twice"] = sum(1 for count in drawn.values() if count > 1)
        result["stored_drawn_again"] = again
        # Calls that reached Gemini in any BUDGET_MINUTES (scaled) minutes,
        # against the shop-wide budget. Over several minutes: the time from a
        # slot to the request arriving (a loaded machine's scheduling, the
        # SDK's encoding) is not scaled down, and would blur a single one.
        starts = sorted(seen.at for seen in calls)
        window = BUDGET_MINUTES * 60 / SCALE
        result["busiest_minute"] = max(
            (sum(1 for t in starts[i:] if t < first + window) for i, first in enumerate(starts)), default=0
        )


def run() -> None:
    why_not = _available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshop.settings")
    _database_make()
    gemini = FakeGemini().start()
    gemini.latency, gemini.latency_max = LATENCY
    gemini.hang_seconds = HANG
    gemini.image_long_side = 1200
    print(
        f"{HOSTS} worker hosts (own process tree, WORKER_HOST and HOST_LOCK_DIR; BOOK_WORKERS={BOOK_WORKERS} each)"
        f" on PostgreSQL and Redis; {BOOKS} orders paid at once; the host of the first book a third drawn is"
        f" killed with SIGKILL. Fake Gemini at 20-45 s a call scaled down {SCALE}x"
        f" ({LATENCY[0]:.2f}-{LATENCY[1]:.2f} s), timeout {TIMEOUT:.0f} s, hangs {HANG:.0f} s;"
        f" GEMINI_RPM {QUOTA_RPM * SCALE} ({QUOTA_RPM} a real minute, scaled); JOB_STALE_SECONDS={STALE_SECONDS}"
    )
    header = (
        f"{'faults':>6} {'delivered':>9} {'emails/order':>12} {'taken over after':>17} {'last delivery':>13}"
        f" {'calls':>5} {'faults served':>13} {'drawn twice':>11} {'stored redrawn':>14}"
        f" {'busiest 5 min':>13} {'attempts':>12}"
    )
    print(header, flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-hosts-") as folder:
            first = Run(gemini, Path(folder) / "0", 0.0)
            Path(folder, "0").mkdir()
            first.manage("migrate", "--noinput")
            for number, faults in enumerate((0.0, FAULT_RATE)):
                sub = Path(folder) / str(number)
                sub.mkdir(exist_ok=True)
                r = Run(gemini, sub, faults).run()
                emails = ",".join(str(n) for n in r["emails"])
                takeovers = ", ".join(f"{s:.1f}s" for s in r["takeovers"]) or "none"
                last = f"{r['seconds']:.0f}s" if r["seconds"] is not None else "never"
                print(
                    f"{faults:>6.0%} {r['delivered']:>7}/{r['books']} {emails:>12} {takeovers:>17} {last:>13}"
                    f" {r['calls']:>5} {r['faults_served']:>13} {r['drawn_twice']:>11} {r['stored_drawn_again']:>14}"
                    f" {r['busiest_minute']:>8}/{QUOTA_RPM * BUDGET_MINUTES}"
                    f" {','.join(map(str, r['attempts'])):>12}",
                    flush=True,
                )
                print(
                    f"       killed {r['killed']} holding {r['orphans']} book(s), {r['stored_at_kill']} images"
                    f" stored; delivery emails in the mailbox per address: {r['mailbox']}",
                    flush=True,
                )
    finally:
        gemini.stop()
    print(
        "taken over after: seconds from the SIGKILL to another host running each of the dead host's books;"
        " drawn twice: images paid twice (calls in flight at the kill); stored redrawn: images already"
        " stored at the kill drawn again (must be 0); busiest 5 min: most Gemini calls received in any"
        f" {BUDGET_MINUTES} scaled minutes, against what GEMINI_RPM allows the whole shop in that time (slots are"
        " spaced exactly; a request reaching the server a few ms late at a window's edge may count one more)"
    )
