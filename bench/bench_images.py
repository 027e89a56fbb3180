"""The web process while visitors fetch a free preview's pictures.

One free preview is made first (the offline provider, 2048-pixel images:
its cover, a colored page and a page to color). Then the web server alone
(hypercorn as bin/start runs it, production settings) runs in a
memory cgroup while CLIENTS visitors fetch the preview's three pictures
over and over for SECONDS (no browser cache: each asks again in full), and
one more visitor loads the storefront every STOREFRONT_EVERY s.

Printed: the cgroup's peak memory (memory.max_usage_in_bytes on v1,
memory.peak on v2: what the kernel counts against a limit), the web
worker's resident memory before and after (a hint), pictures served per
second, and the storefront's p50 and p99 answer time. Target: peak under
110 MB. With BENCH_BEFORE=<an older checkout> the same run is made on that
code too and printed beside it. Needs root (the cgroup); skips otherwise.
"""

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_container import MemoryCgroup  # noqa: E402
from bench.support import bin_start_web_command, free_port, gunicorn_command, production_env  # noqa: E402

CLIENTS = 20
SECONDS = float(os.environ.get("BENCH_IMAGES_SECONDS", "60"))
STOREFRONT_EVERY = 0.25
LIMIT_MB = 512
TARGET_MB = 110

MAKE_PREVIEW = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from generator import lanes
from orders import previews
preview = previews.preview_create(email="visitor@example.com", client_ip="192.0.2.1", theme="dinosaurs",
                                  child_name="Mia", age_group="kids", paper_size="letter")
assert lanes.preview_run_next() == f"preview {preview.job_id}"
print(json.dumps({"token": preview.token}))
"""


def _get(port: int, path: str) -> tuple[int, int]:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def _rss_mb(cgroup: MemoryCgroup) -> float:
    """The largest resident set among the cgroup's processes (the web worker)."""
    largest = 0
    for pid in cgroup.pids():
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]))
    return largest / 1024


def web_run(root: Path) -> dict:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-images-") as folder:
        env = {
            **production_env(folder),
            "DJANGO_SETTINGS_MODULE": "bookshop.settings",
            "IMAGE_PROVIDER": "offline",
            "BOOK_IMAGE_SIZE": "2048",
        }
        made = subprocess.run(
            [sys.executable, "-c", MAKE_PREVIEW], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        if made.returncode:
            raise RuntimeError(made.stderr[-2000:])
        token = json.loads(made.stdout.strip().splitlines()[-1])["token"]
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=root, env=env, check=True
        )
        urls = [f"/previews/{token}/images/{which}-0.jpg" for which in ("cover", "colored", "line_art")]
        cgroup = MemoryCgroup(f"bookshop-bench-images-{os.getpid()}", LIMIT_MB)
        # bin/start's web command, alone (gunicorn's in a checkout from before hypercorn).
        argv = (
            bin_start_web_command(root, port) if (root / "bookshop" / "server.py").exists() else gunicorn_command(port)
        )
        log = Path(folder) / "web.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv,
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=cgroup.join,  # noqa: PLW1509 - the child joins the cgroup before exec
            )
        stop = threading.Event()
        served, errors, storefront = [0], [0], []

        def fetch() -> None:
            while not stop.is_set():
                for url in urls:
                    try:
                        status, _ = _get(port, url)
                    except OSError:
                        status = 0
                    if status == 200:
                        served[0] += 1
                    else:
                        errors[0] += 1

        def shop() -> None:
            while not stop.wait(STOREFRONT_EVERY):
                started = time.perf_counter()
                with contextlib.suppress(OSError):
                    if _get(port, "/")[0] == 200:
                        storefront.append(time.perf_counter() - started)

        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError):
                    if _get(port, "/")[0] == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the web server did not come up:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)
            before_mb = _rss_mb(cgroup)
            idle_peak_mb = cgroup.peak_bytes() / 2**20
            threads = [threading.Thread(target=fetch, daemon=True) for _ in range(CLIENTS)]
            threads.append(threading.Thread(target=shop, daemon=True))
            started = time.monotonic()
            for thread in threads:
                thread.start()
            stop.wait(SECONDS)
            stop.set()
            for thread in threads:
                thread.join(60)
            seconds = time.monotonic() - started
            after_mb = _rss_mb(cgroup)
            peak_mb = cgroup.peak_bytes() / 2**20
        finally:
            stop.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            cgroup.remove()
    storefront.sort()
    return {
        "peak_mb": peak_mb,
        "idle_peak_mb": idle_peak_mb,
        "before_mb": before_mb,
        "after_mb": after_mb,
        "per_second": served[0] / seconds,
        "errors": errors[0],
        "p50": statistics.median(storefront) if storefront else float("nan"),
        "p99": storefront[min(len(storefront) - 1, int(len(storefront) * 0.99))] if storefront else float("nan"),
        "storefront_loads": len(storefront),
    }


def run() -> None:
    why_not = MemoryCgroup.available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    trees = [("this code", ROOT)]
    if os.environ.get("BENCH_BEFORE"):
        trees.insert(0, ("before", Path(os.environ["BENCH_BEFORE"]).resolve()))
    print(
        f"the web process (hypercorn and bookshop/server.py, 4 threads) in a memory cgroup; {CLIENTS} visitors fetch a"
        f" preview's 3 pictures (2048-pixel originals) for {SECONDS:.0f} s, one more loads / every"
        f" {STOREFRONT_EVERY} s"
    )
    print(
        f"{'code':>10} {'peak':>8} {'idle':>7} {'RSS before':>10} {'RSS after':>9} {'pictures/s':>10}"
        f" {'errors':>6} {'/ p50':>7} {'/ p99':>7}"
    )
    for label, root in trees:
        r = web_run(root)
        verdict = "ok" if r["peak_mb"] < TARGET_MB else "MISSED"
        print(
            f"{label:>10} {r['peak_mb']:>5.0f} MB {r['idle_peak_mb']:>4.0f} MB {r['before_mb']:>7.0f} MB"
            f" {r['after_mb']:>6.0f} MB {r['per_second']:>10.0f} {r['errors']:>6} {r['p50']:>6.2f}s"
            f" {r['p99']:>6.2f}s  (peak < {TARGET_MB} MB: {verdict})",
            flush=True,
        )
    print("peak: the cgroup's high-water mark (the one web process, page cache included); idle: before the")
    print("visitors came; RSS: the web worker's resident memory, a hint")
