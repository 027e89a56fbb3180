"""The whole shop on one small host: does it fit in 512 MB?

Starts what the Procfile starts (gunicorn with its workers, and the
django-q2 cluster with BOOK_WORKERS=1) on a fresh SQLite database, places
orders through the web form and the demo checkout while books are being
made, and samples the memory of every process the whole time. Processes
forked from one parent share pages, so the total is counted as PSS
(proportional set size), the figure the kernel charges a container with;
RSS, which counts shared pages once per process, is shown too.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOKS = 3
HOST_MB = 512


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = dict(re.findall(r"^(Rss|Pss):\s+(\d+) kB", text, re.MULTILINE))
    return int(values.get("Rss", 0)), int(values.get("Pss", 0))


class Sampler(threading.Thread):
    def __init__(self, roots: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.peak_pss = 0
        self.peak_rss = 0
        self.peak_by_group: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            total_pss = total_rss = 0
            for group, root in self.roots.items():
                group_pss = 0
                for pid in _descendants(root):
                    rss, pss = _memory_kb(pid)
                    total_rss += rss
                    group_pss += pss
                total_pss += group_pss
                self.peak_by_group[group] = max(self.peak_by_group.get(group, 0), group_pss)
            self.peak_pss = max(self.peak_pss, total_pss)
            self.peak_rss = max(self.peak_rss, total_rss)


def _order(base: str) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(base + "/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {
        "csrfmiddlewaretoken": token,
        "email": "bench@example.com",
        "theme": "dinosaurs having a picnic",
        "child_name": "Mia",
        "age_group": "kids",
        "paper_size": "letter",
    }
    request = urllib.request.Request(base + "/order/", urllib.parse.urlencode(form).encode(), {"Referer": base + "/"})
    checkout = opener.open(request).geturl()
    page = opener.open(checkout).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    pay = urllib.request.Request(
        checkout, urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode(), {"Referer": checkout}
    )
    status_page = opener.open(pay).geturl()
    for _ in range(5):
        opener.open(status_page.rstrip("/") + "/status.json").read()


def run() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-host-") as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}},
            "VAR_DIR": folder,
            "DEBUG": "1",
            "BOOK_IMAGE_SIZE": "2048",
            "BOOK_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
            "ORDER_RATE_LIMIT_PER_HOUR": "0",
        }
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        gunicorn = [python, "-m", "gunicorn", "bookshop.wsgi", "--workers", "2", "--threads", "4"]
        log = (Path(folder) / "processes.log").open("ab")
        quiet = {"cwd": ROOT, "env": env, "start_new_session": True, "stdout": log, "stderr": log}
        processes = {
            "web (gunicorn, 2 workers)": subprocess.Popen([*gunicorn, "--bind", f"127.0.0.1:{port}"], **quiet),
            "worker (qcluster, BOOK_WORKERS=1)": subprocess.Popen([python, "manage.py", "qcluster"], **quiet),
        }
        sampler = Sampler({name: process.pid for name, process in processes.items()})
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz")
                except urllib.error.HTTPError:
                    break  # 503 until the worker beats: the server answers
                except OSError:
                    time.sleep(0.1)
            time.sleep(2)
            idle = {
                name: sum(_memory_kb(pid)[1] for pid in _descendants(process.pid))
                for name, process in processes.items()
            }
            sampler.start()
            started = time.perf_counter()
            for _ in range(BOOKS):
                _order(base)
            database = Path(folder) / "db.sqlite3"
            while time.perf_counter() - started < 300:
                with sqlite3.connect(database) as db:
                    done = db.execute("SELECT count(*) FROM orders_order WHERE status = 'delivered'").fetchone()[0]
                if done == BOOKS:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
        finally:
            sampler.stop.set()
            for process in processes.values():
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            log.close()
    print(f"{BOOKS} books ordered through the web at once, 2048-pixel images, made one at a time: {done} delivered")
    print(f"in {elapsed:.0f} s")
    for name, pss in sampler.peak_by_group.items():
        print(f"  {name:<36} peak {pss / 1024:6.0f} MB PSS (idle {idle[name] / 1024:.0f} MB)")
    total, rss = sampler.peak_pss / 1024, sampler.peak_rss / 1024
    print(f"  {'all processes together':<36} peak {total:6.0f} MB PSS ({rss:.0f} MB RSS)")
    verdict = "fits" if total <= HOST_MB else "DOES NOT FIT"
    print(f"  host limit {HOST_MB} MB: {verdict}, {HOST_MB - total:.0f} MB to spare")
