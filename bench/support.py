"""What several benches share."""

import importlib.machinery
import importlib.util
import os
import socket
import sys
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now, for a server the bench starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What every bench's shop runs with: production settings (DEBUG off) and
# placeholder secrets, the demo's outside services replaced by anymail's test
# backend, and nothing inherited that would point it at another database,
# broker or bucket. A bench adds or overrides what it measures.
PRODUCTION = {
    "SECRET_KEY": "bench-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SITE_URL": "https://127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "STRIPE_SECRET_KEY": "sk_test_bench",
    "STRIPE_WEBHOOK_SECRET": "whsec_bench",
    "EMAIL_BACKEND": "anymail.backends.test.EmailBackend",
    "LOG_LEVEL": "WARNING",
}


def production_env(folder: str) -> dict[str, str]:
    """This process's environment as a bench's shop runs in it, its files in `folder`."""
    inherited = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "S3_BUCKET"}}
    return {**inherited, **PRODUCTION, "VAR_DIR": folder}


def bin_start_web_command(root: Path, port: int) -> list[str]:
    """The web command `root`'s bin/start runs (its web_command), on `port`."""
    loader = importlib.machinery.SourceFileLoader("bin_start", str(root / "bin" / "start"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bin_start", loader))
    loader.exec_module(module)
    return module.web_command(sys.executable, port)


def gunicorn_command(port: int) -> list[str]:
    """bin/start's web command before hypercorn (gunicorn's gthread worker)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "bookshop.wsgi",
        f"--bind=127.0.0.1:{port}",
        "--worker-class=gthread",
        "--workers=1",
        "--threads=4",
        "--timeout=30",
        "--graceful-timeout=5",
        "--log-level=warning",
    ]
