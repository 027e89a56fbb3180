"""PostgreSQL connections one host holds, with BOOK_WORKERS 1 and 3.

`bin/start` (the web server and the django-q2 worker) runs in production settings
on a PostgreSQL database of its own (BENCH_DATABASE_URL's server, a
`bookshop_bench_connections` database made again for each run), with the
offline provider waiting OFFLINE_LATENCY s a call. Once healthy, BOOKS paid
orders and PREVIEWS free previews are asked for while CLIENTS visitors keep
loading the storefront and /healthz; the run ends when every book is
delivered. `pg_stat_activity` is read every SAMPLE_SECONDS for the run's
database: the most connections seen at once, and how many are left open
once the host is idle again, are printed per BOOK_WORKERS.

Needs PostgreSQL; it says so and skips otherwise.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import free_port, production_env  # noqa: E402

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bookshop_bench_connections")
DATABASE_NAME = "bookshop_bench_connections"
BOOKS = 3
PREVIEWS = 2
CLIENTS = 6
OFFLINE_LATENCY = 0.3
SAMPLE_SECONDS = 0.1
IDLE_SECONDS = 8
DEADLINE = 300
LIMIT = 10  # the most a host may hold with BOOK_WORKERS=3 (issue 18)
BENCH_APP = "bench"  # the bench's own connections, not counted

PLACE = """
import django
django.setup()
from orders import previews, services
for i in range({books}):
    order = services.order_create(email=f"parent{{i}}@example.com", theme="robots", child_name="Mia",
                                  age_group="kids", paper_size="letter")
    services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
for i in range({previews}):
    previews.preview_create(email=f"visitor{{i}}@example.com", client_ip=f"192.0.2.{{i + 1}}", theme="cats",
                            child_name="", age_group="kids", paper_size="letter")
"""


def _urls() -> tuple[str, str]:
    server = SERVER_URL.rsplit("/", 1)[0]
    return f"{server}/{DATABASE_NAME}", f"{server}/postgres"


def _available() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "needs psycopg"
    try:
        psycopg.connect(_urls()[1], connect_timeout=2, autocommit=True).close()
    except psycopg.Error:
        return f"no PostgreSQL at {SERVER_URL} (set BENCH_DATABASE_URL)"
    return None


def _count(admin) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name <> %s",
        [DATABASE_NAME, BENCH_APP],
    ).fetchone()
    return row[0]


def _get(port: int, path: str) -> int:
    from http.client import HTTPConnection

    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def host_run(book_workers: int, root: Path = ROOT) -> dict:
    import psycopg

    database_url, admin_url = _urls()
    admin = psycopg.connect(admin_url, autocommit=True, application_name=BENCH_APP)
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-connections-") as folder:
        env = {
            **production_env(folder),
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "IMAGE_PROVIDER": "offline",
            "OFFLINE_IMAGE_LATENCY": str(OFFLINE_LATENCY),
            "BOOK_IMAGE_SIZE": "512",
            "BOOK_WORKERS": str(book_workers),
        }
        log_path = Path(folder) / "host.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, str(root / "bin" / "start")],
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        peak, stop = 0, threading.Event()

        def sample() -> None:
            nonlocal peak
            with psycopg.connect(admin_url, autocommit=True, application_name=BENCH_APP) as watcher:
                while not stop.wait(SAMPLE_SECONDS):
                    peak = max(peak, _count(watcher))

        def visit() -> None:
            while not stop.is_set():
                with contextlib.suppress(OSError):
                    _get(port, "/")
                    _get(port, "/healthz")

        try:
            deadline = time.monotonic() + 120
            while True:
                with contextlib.suppress(OSError):
                    if _get(port, "/healthz") == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"bin/start did not come up:\n{log_path.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)
            threads = [threading.Thread(target=sample, daemon=True)]
            threads += [threading.Thread(target=visit, daemon=True) for _ in range(CLIENTS)]
            for thread in threads:
                thread.start()
            subprocess.run(
                [sys.executable, "-c", PLACE.format(books=BOOKS, previews=PREVIEWS)],
                cwd=root,
                env={**env, "DJANGO_SETTINGS_MODULE": "bookshop.settings", "PGAPPNAME": BENCH_APP},
                check=True,
            )
            started = time.monotonic()
            delivered = 0
            with psycopg.connect(database_url, autocommit=True, application_name=BENCH_APP) as db:
                while time.monotonic() - started < DEADLINE and process.poll() is None:
                    delivered = db.execute("SELECT count(*) FROM orders_order WHERE status = 'delivered'").fetchone()[0]
                    if delivered == BOOKS:
                        break
                    time.sleep(0.5)
            seconds = time.monotonic() - started
            stop.set()
            for thread in threads:
                thread.join(10)
            time.sleep(IDLE_SECONDS)
            idle = _count(admin)
        finally:
            stop.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
    admin.close()
    return {"workers": book_workers, "peak": peak, "idle": idle, "delivered": delivered, "seconds": seconds}


def run() -> None:
    why_not = _available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    trees = [("this code", ROOT)]
    if os.environ.get("BENCH_BEFORE"):
        trees.insert(0, ("before", Path(os.environ["BENCH_BEFORE"]).resolve()))
    print(
        f"one host (bin/start, production settings, PostgreSQL, no Redis): {BOOKS} paid books and {PREVIEWS}"
        f" previews (offline provider, {OFFLINE_LATENCY} s a call) while {CLIENTS} visitors load / and /healthz"
    )
    print(f"{'code':>10} {'BOOK_WORKERS':>12} {'delivered':>9} {'time':>6} {'most at once':>12} {'idle after':>10}")
    for label, root in trees:
        for workers in (1, 3):
            r = host_run(workers, root)
            print(
                f"{label:>10} {workers:>12} {r['delivered']:>7}/{BOOKS} {r['seconds']:>5.0f}s {r['peak']:>12}"
                f" {r['idle']:>10}",
                flush=True,
            )
    print(f"connections: pg_stat_activity rows of the host's database, sampled every {SAMPLE_SECONDS} s;")
    print(f"target with BOOK_WORKERS=3: at most {LIMIT} at once")
