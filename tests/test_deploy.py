"""The shop as it is deployed: bin/start (one container: migrations, the web
server and the worker cluster under one supervisor), `make run` (the same, on a
developer's machine), the worker cluster's own stop, the Dockerfile and the
Render blueprint.

Stopping is measured on the whole process tree, walked in /proc: a platform
sends SIGTERM to every process of the container at once (Render, Heroku) or
to its first process only (`docker stop`), and SIGKILLs what is left 10 s
(Heroku, Docker) to 30 s (Render) later.
"""

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import yaml
from django.db import close_old_connections

from generator.models import Job, JobStatus, Page
from generator.processes import process_alive, process_descendants
from orders.models import Order, OrderStatus
from tests.conftest import ROOT, WEBHOOK_SECRET, _database_url, stripe_signature, wait_until
from tests.slow_clients import SlowClients, timed_request

STOP_LIMIT_SECONDS = 10
DELIVERY_SUBJECT = "Subject: Mia's coloring book is ready"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    return [pid, *process_descendants(pid)]


def wait_gone(pids: list[int], limit: float = 30) -> float:
    """Seconds until every one of `pids` has exited (at most `limit`)."""
    started = time.monotonic()
    while any(process_alive(pid) for pid in pids) and time.monotonic() - started < limit:
        time.sleep(0.05)
    return time.monotonic() - started


def http_get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_serving(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until the server answers /healthz at all (503 until the worker beats)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with status {process.returncode}"
        with contextlib.suppress(OSError):
            http_get(base + "/healthz")
            return
        time.sleep(0.2)
    raise AssertionError(f"{base} did not answer within {timeout}s")


def place_and_pay(base: str) -> str:
    """An order through the web form and the demo checkout; its token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def csrf(page: bytes) -> str:
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()

    form = {
        "csrfmiddlewaretoken": csrf(opener.open(base + "/", timeout=10).read()),
        "email": "parent@example.com",
        "theme": "dinosaurs having a picnic",
        "child_name": "Mia",
        "age_group": "kids",
        "paper_size": "letter",
    }
    post = urllib.request.Request(base + "/order/", urllib.parse.urlencode(form).encode(), {"Referer": base + "/"})
    checkout = opener.open(post, timeout=10).geturl()
    token = re.search(r"/orders/([^/]+)/demo-checkout/", checkout).group(1)
    pay = {"csrfmiddlewaretoken": csrf(opener.open(checkout, timeout=10).read())}
    opener.open(
        urllib.request.Request(checkout, urllib.parse.urlencode(pay).encode(), {"Referer": checkout}), timeout=10
    )
    return token


def outbox(folder: Path) -> list[str]:
    return [path.read_text(errors="replace") for path in sorted(folder.glob("*"))] if folder.exists() else []


class Shop:
    """`bin/start` in its own session, as a container runs it."""

    def __init__(self, tmp_path: Path, env: dict[str, str], python: str = sys.executable) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.outbox = tmp_path / "outbox"
        self.log = tmp_path / "bin-start.log"
        self.env = {"PORT": str(self.port), "WEB_HOST": "127.0.0.1", "LOG_LEVEL": "WARNING", **env}
        self.python = python
        self.process: subprocess.Popen | None = None

    def start(self) -> "Shop":
        self.process = subprocess.Popen(
            [self.python, "bin/start"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_serving(self.base, self.process)
        return self

    def tree(self) -> list[int]:
        return process_tree(self.process.pid)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """Whatever is left, SIGKILLed (the supervisor is a subreaper, so
        its session holds the whole tree)."""
        if self.process:
            # Only while it runs: a reaped supervisor's pid may be reused.
            for pid in self.tree() if self.process.poll() is None else []:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def shop(transactional_db, settings, tmp_path) -> Iterator:
    """A factory of `bin/start` processes on the test database, with DEBUG
    on (demo checkout), the offline provider and emails in tmp_path/outbox."""
    started: list[Shop] = []

    def factory(**env: str) -> Shop:
        base_env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": _database_url(),
            "VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path / "outbox"),
            "BOOK_IMAGE_SIZE": str(settings.BOOK_IMAGE_SIZE),
            "IMAGE_PROVIDER": "offline",
            "SITE_URL": settings.SITE_URL,
            "ORDER_RATE_LIMIT_PER_HOUR": "0",
            **env,
        }
        base_env.pop("SECRET_KEY", None)
        instance = Shop(tmp_path, base_env)
        started.append(instance)
        return instance.start()

    yield factory
    for instance in started:
        instance.kill()


def order_by_token(token: str) -> Order:
    close_old_connections()
    return Order.objects.get(token=token)


# bin/start ----------------------------------------------------------------


@pytest.mark.worker
def test_bin_start_delivers_an_order_then_sigterm_to_every_process_stops_all_within_10s(shop):
    running = shop()
    token = place_and_pay(running.base)
    wait_until(lambda: order_by_token(token).status == OrderStatus.DELIVERED, timeout=90, what="the book delivered")
    # The worker's outbox sends the delivery a moment after the book is done.
    wait_until(
        lambda: any(DELIVERY_SUBJECT in text for text in outbox(running.outbox)), timeout=30, what="the delivery"
    )
    # The status page is served by the same process tree, now showing it.
    assert http_get(f"{running.base}/orders/{token}/status.json")[0] == 200

    pids = running.tree()
    # The supervisor, the web server, the cluster's main, sentinel, pusher,
    # monitor and one book worker.
    assert len(pids) >= 7, subprocess.run(["ps", "-o", "pid,ppid,cmd", "-p", ",".join(map(str, pids))], text=True)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    elapsed = wait_gone(pids)
    assert elapsed < STOP_LIMIT_SECONDS, f"still running after {elapsed:.1f}s: {[p for p in pids if process_alive(p)]}"
    assert running.process.wait(timeout=5) == 0
    assert "Traceback" not in running.output()


@pytest.mark.worker
def test_bin_start_sigterm_to_the_parent_mid_book_stops_all_within_10s_and_the_book_resumes(shop, worker):
    # About 2 s an image call: the book takes about 10 s, time enough to
    # stop it halfway.
    running = shop(OFFLINE_IMAGE_LATENCY="2")
    token = place_and_pay(running.base)

    def some_pages_stored():
        close_old_connections()
        return Page.objects.filter(job__order__token=token).exclude(line_art="").exists()

    wait_until(some_pages_stored, timeout=60, what="the book half made")
    pids = running.tree()
    running.process.send_signal(signal.SIGTERM)
    elapsed = wait_gone(pids)
    assert elapsed < STOP_LIMIT_SECONDS, f"still running after {elapsed:.1f}s: {[p for p in pids if process_alive(p)]}"
    assert running.process.wait(timeout=5) == 0

    # Stopped, not failed: back in line at once, the interrupted attempt not
    # counted (a deploy is not the book's fault), and the next worker
    # finishes it.
    job = Job.objects.get(order__token=token)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 0), job.error
    assert order_by_token(token).status != OrderStatus.DELIVERED
    worker().start()
    wait_until(lambda: order_by_token(token).status == OrderStatus.DELIVERED, timeout=90, what="the book resumed")
    job.refresh_from_db()
    assert job.attempts == 1


@pytest.mark.worker
def test_bin_start_stops_the_web_server_and_fails_when_the_worker_dies(shop):
    """A dead child stops the container, with a non-zero status, so the
    platform restarts it rather than serving orders no worker will make."""
    running = shop()
    pids = running.tree()
    cluster = next(pid for pid in pids if b"qcluster" in Path(f"/proc/{pid}/cmdline").read_bytes())
    os.kill(cluster, signal.SIGKILL)
    elapsed = wait_gone(pids)
    assert elapsed < STOP_LIMIT_SECONDS
    assert running.process.wait(timeout=5) != 0
    assert "worker exited" in running.output()


@pytest.mark.worker
def test_bin_start_answers_while_100_slow_clients_are_connected_and_cuts_them_off(shop):
    """50 clients sending one header byte every 2 s and 50 sending a webhook's
    body that way: before the fix, gunicorn's four threads each waited on
    one of them forever and nothing else was answered. Now every probe is
    answered (5 s is a deadline for stuck work, not a timing), and each slow
    client is closed by its deadline (2 s here, 10 s by default)."""
    running = shop(WEB_HEADER_SECONDS="2", WEB_BODY_SECONDS="2", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    payload, signature = signed_checkout_completed("no-such-order", "evt_slow_clients")
    webhook = {"Content-Type": "application/json", "Stripe-Signature": signature}
    with SlowClients(running.port, count=50, every=2.0) as slow:
        assert slow.connected == 100
        for _ in range(3):
            health, _ = timed_request(running.base + "/healthz")
            storefront, _ = timed_request(running.base + "/")
            answer, _ = timed_request(running.base + "/api/webhook", payload, **webhook)
            assert health in {200, 503} and storefront == 200, (health, storefront)
            assert isinstance(answer, int) and answer < 500, answer
            time.sleep(1)
        wait_until(lambda: slow.still_open == 0, timeout=30, what="every slow client cut off by its deadline")
    assert "Traceback" not in running.output()


# The worker cluster alone (`manage.py qcluster`, as the Procfile runs it) -----


@pytest.mark.worker
@pytest.mark.parametrize("target", ["every process", "the main process"])
def test_qcluster_stops_within_10s_on_sigterm(worker, target):
    """django-q2's sentinel dies at once on SIGTERM while its cluster, in its
    signal handler, waits for that dead sentinel to acknowledge the stop:
    before the fix, SIGTERM to every process left the worker hanging until
    SIGKILL."""
    # The hang was a race (3 stops in 4 hung): twice makes a regression show.
    for _ in range(2 if target == "every process" else 1):
        running = worker().start()
        log = running.log
        wait_until(lambda log=log: "running." in log.read_text(errors="replace"), timeout=60, what="cluster running")
        running.log.write_text("")
        pids = process_tree(running.process.pid)
        assert len(pids) >= 4  # main, sentinel, pusher, monitor, book workers
        for pid in pids if target == "every process" else pids[:1]:
            os.kill(pid, signal.SIGTERM)
        elapsed = wait_gone(pids)
        assert elapsed < STOP_LIMIT_SECONDS, f"still running after {elapsed:.1f}s"
        assert running.process.wait(timeout=5) == 0


# make run -------------------------------------------------------------------


def signed_checkout_completed(token: str, event_id: str) -> tuple[bytes, str]:
    event = {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": f"cs_test_{token[:12]}",
                "object": "checkout.session",
                "client_reference_id": token,
                "amount_total": 999,
                "currency": "usd",
                "payment_status": "paid",
                "payment_intent": f"pi_test_{token[:12]}",
                "status": "complete",
                "mode": "payment",
            }
        },
    }
    payload = json.dumps(event).encode()
    return payload, stripe_signature(payload)


def post_webhooks_at_once(base: str, token: str, count: int) -> list[int | str]:
    """`count` signed deliveries on `count` connections at the same moment;
    each one's HTTP status, or the error that replaced it."""
    results: list[int | str] = [""] * count
    barrier = threading.Barrier(count)

    def post(i: int) -> None:
        payload, signature = signed_checkout_completed(token, f"evt_burst_{i}")
        request = urllib.request.Request(
            base + "/api/webhook",
            payload,
            {"Content-Type": "application/json", "Stripe-Signature": signature},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                results[i] = response.status
        except urllib.error.HTTPError as error:
            results[i] = error.code
        except OSError as error:  # reset, refused, closed without an answer
            results[i] = repr(error)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.worker
def test_make_run_links_use_its_port_it_takes_a_webhook_burst_and_ctrl_c_stops_quietly(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    var = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "SITE_URL"}}
    env.pop("DEBUG", None)  # make run sets it
    env.update(
        VAR_DIR=str(var),
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        BOOK_IMAGE_SIZE="384",
        ORDER_RATE_LIMIT_PER_HOUR="0",
        DJANGO_SETTINGS_MODULE="bookshop.settings",
    )
    venv = Path(sys.prefix)
    log = tmp_path / "make-run.log"
    # `-o` keeps make from reinstalling the venv the tests run in.
    command = ["make", "--no-print-directory", "run", f"PORT={port}", f"VENV={venv}", "-o", f"{venv}/.installed"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_serving(base, process)
        token = place_and_pay(base)

        # Stripe delivers in bursts: every one answered, none reset.
        results = post_webhooks_at_once(base, token, 50)
        assert all(isinstance(status, int) and status < 500 for status in results), results

        def delivered() -> list[str]:
            return [text for text in outbox(var / "outbox") if DELIVERY_SUBJECT in text]

        delivery = wait_until(delivered, timeout=90, what="the book delivered")[0]
        links = re.findall(r"https?://[^\s\"'<>]+", delivery)
        assert any(f"/orders/{token}/" in link for link in links), links
        assert all(link.startswith(f"http://127.0.0.1:{port}/") for link in links if token in link), links

        # Ctrl-C: SIGINT to the terminal's foreground process group.
        pids = process_tree(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        elapsed = wait_gone(pids)
        assert elapsed < STOP_LIMIT_SECONDS, f"still running after {elapsed:.1f}s"
        process.wait(timeout=5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    output = log.read_text(errors="replace")
    for noise in ("Traceback", "Segmentation fault", "Logging error", "Error"):
        assert noise not in output, output[-3000:]
    # The cluster's stop runs once, however many signals arrive.
    assert len(re.findall(r"Q Cluster \S+ stopping", output)) <= 1, output[-3000:]


def test_make_run_site_url_follows_port_unless_set():
    def recipe(*args: str, **env: str) -> str:
        clean = {key: value for key, value in os.environ.items() if key not in {"SITE_URL", "PORT"}}
        result = subprocess.run(
            ["make", "-n", "--no-print-directory", "run", *args],
            cwd=ROOT,
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    assert "SITE_URL=http://127.0.0.1:8123 " in recipe("PORT=8123")
    assert "SITE_URL=http://127.0.0.1:8123 " in recipe(PORT="8123")
    assert "SITE_URL=http://127.0.0.1:8000 " in recipe()
    assert "SITE_URL=https://shop.example " in recipe("PORT=8123", SITE_URL="https://shop.example")


# The image recipe -----------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerignored(path: str) -> bool:
    import fnmatch

    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/") for pattern in patterns)


def test_dockerfile_copies_only_what_exists_and_runs_bin_start():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    copies = [shlex.split(rest) for keyword, rest in instructions if keyword == "COPY"]
    assert copies
    for *sources, _destination in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not dockerignored(source.rstrip("/")), f"{source} is excluded by .dockerignore"
    copied = {source.rstrip("/") for *sources, _ in copies for source in sources}
    # Everything the shop needs at run time is in the image...
    for needed in ("bin", "bookshop", "orders", "generator", "templates", "static", "manage.py", "requirements.txt"):
        assert needed in copied, needed
    assert list((ROOT / "static" / "fonts").glob("*.ttf")), "the book's fonts are shipped in static/fonts"
    # ...every app of the project among it...
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= copied, apps - copied
    # ...and it starts the shop as bin/start does, as a user of its own.
    cmd = [json.loads(rest) for keyword, rest in instructions if keyword == "CMD"]
    assert cmd == [["bin/start"]]
    start = ROOT / "bin" / "start"
    assert os.access(start, os.X_OK)
    assert start.read_text().startswith("#!/usr/bin/env python3\n")
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert ("EXPOSE", "8000") in instructions
    assert any(keyword == "ENV" and "PORT=8000" in rest for keyword, rest in instructions)
    # Runtime dependencies only: the test tools stay out of the image.
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install -r requirements.txt" in runs
    assert "pytest" not in (ROOT / "requirements.txt").read_text()


def test_dockerfile_apt_packages_exist_in_debian_bookworm():
    """Checked against this machine's package index (Debian 12, the image's
    base): a misspelt or renamed package would fail the image build."""
    if subprocess.run(["apt-cache", "policy"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no apt package index on this machine")
    if "bookworm" not in Path("/etc/os-release").read_text():
        pytest.skip("this machine's package index is not Debian bookworm's")
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    install = re.search(r"apt-get install (.*?)(?:&&|$)", runs).group(1).split()
    packages = [word for word in install if not word.startswith("-")]
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "potrace"} <= set(packages)
    for package in packages:
        result = subprocess.run(["apt-cache", "show", package], capture_output=True, check=False)
        assert result.returncode == 0, f"{package} is not a Debian package"


def test_dockerfile_collectstatic_step_works_without_real_secrets(tmp_path):
    """The build's collectstatic runs with placeholder secrets and DEBUG off,
    and collects the compressed files WhiteNoise serves in production."""
    runs = [rest for keyword, rest in dockerfile_instructions() if keyword == "RUN" and "collectstatic" in rest]
    assert len(runs) == 1
    command = runs[0].split("&&")[0]
    assignments = dict(re.findall(r"(\w+)=(\S+)", command.split("python manage.py")[0]))
    env = {"PATH": os.environ["PATH"], **assignments, "VAR_DIR": str(tmp_path / "var"), "STATIC_ROOT": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fonts" / "Quicksand-Bold.ttf").exists()
    assert list(tmp_path.glob("**/*.css.gz")), "compressed by WhiteNoise's production storage"


# The Render blueprint -------------------------------------------------------


def test_render_blueprint_is_one_free_docker_service_with_postgres_and_object_storage():
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (service,) = blueprint["services"]
    assert service["type"] == "web"
    assert service["runtime"] == "docker"
    assert service["plan"] == "free"
    assert service["healthCheckPath"] == "/healthz"
    assert (ROOT / service.get("dockerfilePath", "Dockerfile")).exists()
    (database,) = blueprint["databases"]
    assert database["plan"] == "free"

    env = {var["key"]: var for var in service["envVars"]}
    # Orders live in Postgres, never in SQLite on a disk wiped at restart.
    assert env["DATABASE_URL"]["fromDatabase"] == {"name": database["name"], "property": "connectionString"}
    assert env["SECRET_KEY"] == {"key": "SECRET_KEY", "generateValue": True}
    # The client's address from Cloudflare's header, not X-Forwarded-For's
    # hops (tests/orders/test_client_ip.py).
    assert env["CLIENT_IP_SOURCE"]["value"] == "render" and "NUM_PROXIES" not in env
    assert env["BOOK_WORKERS"]["value"] == "1"
    to_fill = {key for key, var in env.items() if var.get("sync") is False}
    secrets = {"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "GEMINI_API_KEY", "ANYMAIL_POSTMARK_SERVER_TOKEN"}
    storage = {"S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"}
    assert secrets | storage <= to_fill
    # No secret is written in the file, and every variable is one the shop reads.
    for key, var in env.items():
        assert set(var) <= {"key", "value", "sync", "generateValue", "fromDatabase"}, key
        assert "value" not in var or not any(word in key for word in ("SECRET", "KEY", "TOKEN")), key
    settings_text = (ROOT / "bookshop" / "settings.py").read_text() + (ROOT / "bin" / "start").read_text()
    for key in env:
        assert key in settings_text or key.startswith("ANYMAIL_"), f"{key} is read by nothing"


# A clean virtual environment, as the image installs it -----------------------


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="once per CI run: the SQLite pass builds the environment"
)
def test_bin_start_serves_from_a_clean_venv_built_from_requirements_txt_only(tmp_path):
    """What the image does: only requirements.txt installed (no test tools,
    nothing inherited from this environment), production settings, then
    bin/start far enough to serve /healthz and the storefront."""
    venv = tmp_path / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    check = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout
    assert subprocess.run([python, "-c", "import pytest"], capture_output=True, check=False).returncode != 0

    production = {
        "PATH": "/usr/bin:/bin",
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        # Chosen on purpose: production refuses the offline drawings otherwise.
        "IMAGE_PROVIDER": "offline",
        "STRIPE_SECRET_KEY": "sk_test_unused",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    production["STATIC_ROOT"] = str(tmp_path / "staticfiles")
    running = Shop(tmp_path, production, python=python)
    try:
        running.start()
        status, body = http_get(running.base + "/healthz")
        assert status in {200, 503} and json.loads(body), body
        # Behind Render's proxy (https), the storefront renders in production.
        status, body = http_get(running.base + "/", **{"X-Forwarded-Proto": "https"})
        assert status == 200, body[:2000]
        # With its stylesheet: nothing but bin/start collected the static files.
        stylesheet = re.search(rb'href="(/static/css/[^"]+)"', body).group(1).decode()
        status, css = http_get(running.base + stylesheet, **{"X-Forwarded-Proto": "https"})
        assert status == 200 and b"font-family" in css, css[:300]
        pids = running.tree()
        running.process.send_signal(signal.SIGTERM)
        assert wait_gone(pids) < STOP_LIMIT_SECONDS
    finally:
        running.kill()
    assert "Traceback" not in running.output(), running.output()[-3000:]
