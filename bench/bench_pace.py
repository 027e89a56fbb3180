"""One book alone on its host at Gemini's pace (`python -m bench pace`).

The whole container (`bin/start`: web and worker) runs in a 512 MB memory
cgroup, in production settings, with the Gemini provider: the real
google-genai SDK talks to the fake Gemini server (tests/fakes/gemini.py),
which answers each call in 20 s x uniform(0.6, 1.4), divided by
BENCH_PACE_SCALE (default 1: Google's own pace; a book then takes a minute
or two), with 1536x2048 PNGs of 4 MB.

Two runs, each in a fresh container:
- a book: one order paid, alone on the host;
- from a preview: a free preview asked for and drawn, then an order placed
  from it and paid (the book keeps the preview's plan, cover and page).

For each: payment to delivery, as a ratio to three calls' time (the plan, a
page's line art, its coloring, one after another: 60 s at scale 1), the
most calls in flight at once and the share of line-art calls that carried a
reference drawing (as the fake saw them), the cgroup's peak memory
(memory.peak, page cache included) and its OOM kills.

BENCH_PACE_BEFORE=/path/to/a/checkout runs the same two runs on that
checkout's code too (e.g. `git worktree add --detach /tmp/before <commit>`),
side by side: the fake, the container and the figures are this bench's.
"""

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_container import (  # noqa: E402
    IMAGE_BYTES,
    LIMIT_MB,
    ORDER_FIELDS,
    WEBHOOK_SECRET,
    MemoryCgroup,
    Shop,
)
from bench.support import free_port, production_env  # noqa: E402
from tests.fakes.gemini import LINE_ART, FakeGemini  # noqa: E402
from tests.fakes.stripe import FakeStripe  # noqa: E402

SCALE = float(os.environ.get("BENCH_PACE_SCALE", "1"))
CALL_SECONDS = 20.0  # a Gemini image call, on average
SPREAD = (0.6, 1.4)
DEADLINE = 900 / max(SCALE, 1)


def _query(database: Path, sql: str):
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute(sql).fetchone()[0]


def _wait_for(database: Path, sql: str, process: subprocess.Popen, started: float) -> bool:
    while time.perf_counter() - started < DEADLINE:
        if _query(database, sql):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def _in_flight_most(gemini: FakeGemini, since: float) -> int:
    """The most calls the fake was answering at once (each takes its latency)."""
    events = []
    for seen in gemini.calls():
        if seen.at >= since:
            events += [(seen.at, 1), (seen.at + seen.latency, -1)]
    most = now = 0
    for _, step in sorted(events):
        now += step
        most = max(most, now)
    return most


def pace_run(root: Path, scenario: str, gemini: FakeGemini, stripe: FakeStripe) -> dict:
    port = free_port()
    shop = Shop(port)
    with tempfile.TemporaryDirectory(prefix="bench-pace-") as folder:
        env = {
            **production_env(folder),
            "PORT": str(port),
            "STRIPE_API_BASE": stripe.url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "IMAGE_PROVIDER": "gemini",
            "GEMINI_API_KEY": gemini.api_key,
            "GEMINI_BASE_URL": gemini.url,
            # A 20 s call must not time out, and the fake's hang is not used.
            "GEMINI_TIMEOUT": str(max(120.0, 2 * CALL_SECONDS * SPREAD[1] / SCALE)),
            "BOOK_IMAGE_SIZE": "2048",
            "BOOK_WORKERS": "1",
            "ORDER_RATE_LIMIT_PER_HOUR": "0",
            "PREVIEWS_PER_ADDRESS_PER_DAY": "100",
            "PREVIEW_DAILY_SPEND_CENTS": "100000",
        }
        cgroup = MemoryCgroup(f"bookshop-pace-{os.getpid()}-{scenario}-{int(time.time() * 1000)}", LIMIT_MB)
        log_path = Path(folder) / "container.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            [sys.executable, str(root / "bin" / "start")],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=cgroup.join,  # noqa: PLW1509 - the child joins the cgroup before exec
        )
        database = Path(folder) / "db.sqlite3"
        result: dict = {"scenario": scenario, "delivered": False}
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if shop.request("GET", "/healthz")[0] == 200:
                        break
                if process.poll() is not None:
                    log.flush()
                    raise RuntimeError(f"bin/start exited:\n{log_path.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)
            else:
                raise RuntimeError("the shop never became healthy")
            extra = {}
            if scenario == "from a preview":
                location = shop.form_post("/preview/", ORDER_FIELDS)
                preview = location.rstrip("/").rsplit("/", 1)[-1]
                asked = time.perf_counter()
                ready = "SELECT count(*) FROM generator_job WHERE kind = 'preview' AND status = 'done'"
                if not _wait_for(database, ready, process, asked):
                    raise RuntimeError("the preview was never drawn")
                result["preview_seconds"] = time.perf_counter() - asked
                extra = {"preview": preview}
            made_before = len(stripe.created)
            shop.form_post("/order/", {**ORDER_FIELDS, **(extra or {})})
            (session,) = [obj for obj in stripe.created[made_before:] if obj["object"] == "checkout.session"]
            gemini_since = time.monotonic()
            calls_before = len(gemini.calls())
            paid = time.perf_counter()
            if shop.pay(session, 0) != 200:
                raise RuntimeError("the payment event was refused")
            delivered = "SELECT count(*) FROM orders_order WHERE status = 'delivered'"
            result["delivered"] = _wait_for(database, delivered, process, paid)
            result["seconds"] = time.perf_counter() - paid
            book_calls = gemini.calls()[calls_before:]
            result["calls"] = len(book_calls)
            result["in_flight_most"] = _in_flight_most(gemini, gemini_since)
            line_arts = [seen for seen in gemini.calls() if seen.kind == LINE_ART]
            result["line_arts"] = len(line_arts)
            result["with_reference"] = sum(seen.has_image for seen in line_arts)
            result["oom_kills"] = cgroup.oom_kills()
            result["peak_mb"] = cgroup.peak_bytes() / 2**20
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait(timeout=30)
            log.close()
            cgroup.remove()
    return result


def run() -> None:
    why_not = MemoryCgroup.available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    roots = [("this code", ROOT)]
    if before := os.environ.get("BENCH_PACE_BEFORE"):
        roots.insert(0, ("before", Path(before).resolve()))
    stripe = FakeStripe().start()
    call = CALL_SECONDS / SCALE
    print(
        f"one book alone on its host; the container (web + worker) in a {LIMIT_MB} MB memory cgroup; Gemini provider,"
        f" fake server answering each call in {CALL_SECONDS:.0f} s x {SPREAD[0]}-{SPREAD[1]} / {SCALE:g}"
        f" = {call * SPREAD[0]:.1f}-{call * SPREAD[1]:.1f} s, 1536x2048 PNGs of {IMAGE_BYTES / 1e6:.0f} MB;"
        f" three calls = {3 * call:.0f} s"
    )
    print(
        f"{'code':>10} {'order':>15} {'delivered':>9} {'paid→done':>9} {'/ 3 calls':>9} {'calls':>5}"
        f" {'most in flight':>14} {'line art w/ ref':>15} {'peak':>7} {'OOM':>4}"
    )
    try:
        for label, root in roots:
            for scenario in ("a book", "from a preview"):
                gemini = FakeGemini().start()
                gemini.latency, gemini.latency_max = call * SPREAD[0], call * SPREAD[1]
                gemini.image_long_side = 2048
                gemini.image_bytes = IMAGE_BYTES
                try:
                    r = pace_run(root, scenario, gemini, stripe)
                finally:
                    gemini.stop()
                print(
                    f"{label:>10} {scenario:>15} {'yes' if r['delivered'] else 'NO':>9} {r['seconds']:>8.0f}s"
                    f" {r['seconds'] / (3 * call):>8.2f}x {r['calls']:>5} {r['in_flight_most']:>14}"
                    f" {r['with_reference']:>8}/{r['line_arts']:<6} {r['peak_mb']:>4.0f} MB {r['oom_kills']:>4}"
                    + (f"  (preview drawn in {r['preview_seconds']:.0f} s)" if "preview_seconds" in r else ""),
                    flush=True,
                )
    finally:
        stripe.stop()
    print(
        "paid→done: the payment event to the order delivered; '/ 3 calls': that over three average calls one after"
        " another; line art w/ ref: line-art calls sent with a reference drawing (preview's included);"
        " peak: memory.peak of the cgroup"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshop.settings")
    run()
