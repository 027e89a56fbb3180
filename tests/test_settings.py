"""Production settings: secrets from the environment, refusing to start
without them, and passing Django's deployment checks."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "shop.example.com",
    "SITE_URL": "https://shop.example.com",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/bin:/bin", "VAR_DIR": env.pop("VAR_DIR", "/tmp/bookshop-settings-test"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "EMAIL_BACKEND"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {**PRODUCTION, "DEBUG": "0"}
    del env[missing]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_demo_checkout_is_impossible_in_production():
    env = {key: value for key, value in PRODUCTION.items() if key != "STRIPE_SECRET_KEY"}
    result = manage("check", **env, DEBUG="0")
    assert "demo checkout is for local use" in result.stderr
