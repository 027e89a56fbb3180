"""The shop's answers while 100 slow clients are connected, before and after.

50 slowloris clients (a header byte every 2 s, never the blank line) and 50
slow-body clients (POST /api/webhook, a body byte every 2 s) connect to the
web server, then /healthz and a signed Stripe webhook are asked for, five
times each, one after another, with a 5 s limit each. Printed side by side:

- before: gunicorn's gthread worker, 4 threads, as bin/start ran it;
- after: bin/start's own web command (hypercorn and bookshop/server.py).

For each: the answer times (median and worst, or how many got no answer in
5 s), the web process tree's resident memory at the end (all its processes),
and how many slow clients the server had closed after 15 s. The web server
alone runs (DEBUG, SQLite in a temporary folder): /healthz answers 503 with
no worker beating, which is an answer all the same.
"""

import contextlib
import hashlib
import hmac
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bin_start_web_command, free_port, gunicorn_command  # noqa: E402
from tests.slow_clients import SlowClients, timed_request  # noqa: E402

WEBHOOK_SECRET = "whsec_bench"  # noqa: S105 - signs the bench's own events
SLOW_CLIENTS = 50  # of each kind
PROBES = 5
PROBE_TIMEOUT = 5.0
CUT_OFF_WAIT = 15.0


def signed_webhook() -> tuple[bytes, dict[str, str]]:
    event = {
        "id": "evt_bench_slow",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {"object": {"id": "cs_bench", "object": "checkout.session", "client_reference_id": "none"}},
    }
    payload = json.dumps(event).encode()
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={digest}"}


def tree_rss_mb(pid: int) -> float:
    pids = [pid]
    with contextlib.suppress(OSError, ValueError):
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
        pids += [int(line) for line in out.stdout.split()]
    total = 0
    for each in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def wait_answering(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if isinstance(timed_request(base + "/healthz", timeout=2)[0], int):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not start")


def summary(results: list[tuple[int | str, float]]) -> str:
    # Any HTTP status is an answer (/healthz says 503 with no worker beating).
    answered = [seconds for status, seconds in results if isinstance(status, int)]
    missed = len(results) - len(answered)
    if not answered:
        return f"no answer in {PROBE_TIMEOUT:.0f} s ({missed} of {len(results)})"
    text = f"median {statistics.median(answered):.3f} s, worst {max(answered):.3f} s"
    return text + (f", {missed} of {len(results)} unanswered in {PROBE_TIMEOUT:.0f} s" if missed else "")


def measure(name: str, command_for, folder: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "VAR_DIR": str(folder),
        "IMAGE_PROVIDER": "offline",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "LOG_LEVEL": "CRITICAL",
        "WEB_HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        command_for(port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_answering(base, process)
        idle_rss = tree_rss_mb(process.pid)
        payload, headers = signed_webhook()
        health, webhook = [], []
        with SlowClients(port, count=SLOW_CLIENTS, every=2.0) as slow:
            for _ in range(PROBES):
                health.append(timed_request(base + "/healthz", timeout=PROBE_TIMEOUT))
                webhook.append(timed_request(base + "/api/webhook", payload, timeout=PROBE_TIMEOUT, **headers))
            waited = time.monotonic()
            while slow.still_open and time.monotonic() - waited < CUT_OFF_WAIT:
                time.sleep(0.5)
            rss = tree_rss_mb(process.pid)
            return {
                "name": name,
                "connected": slow.connected,
                "health": summary(health),
                "webhook": summary(webhook),
                "closed": slow.connected - slow.still_open,
                "idle_rss": idle_rss,
                "rss": rss,
            }
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DEBUG": "1", "VAR_DIR": folder}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        rows = [
            measure("before: gunicorn gthread, 4 threads", gunicorn_command, Path(folder)),
            measure(
                "after: bin/start's web (hypercorn + bookshop/server.py)",
                lambda port: bin_start_web_command(ROOT, port),
                Path(folder),
            ),
        ]
    print(f"{SLOW_CLIENTS} slowloris + {SLOW_CLIENTS} slow-body clients (a byte every 2 s), {PROBES} probes of each")
    for row in rows:
        print(f"\n{row['name']}  ({row['connected']} slow clients connected)")
        print(f"  /healthz:     {row['health']}")
        print(f"  /api/webhook: {row['webhook']}")
        print(f"  slow clients closed by the server within {CUT_OFF_WAIT:.0f} s of the probes: {row['closed']}")
        print(f"  web process tree RSS: {row['idle_rss']:.0f} MB idle, {row['rss']:.0f} MB under the slow clients")
