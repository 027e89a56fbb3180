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


def test_debug_is_off_unless_asked_for():
    """A deploy that forgets SECRET_KEY must not fall back to debug pages,
    the development key and the demo checkout: DEBUG unset means off, so the
    production settings refuse to start."""
    result = manage("check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["0", "", "false", "no"])
def test_debug_values_other_than_on_mean_off(value):
    result = manage("check", DEBUG=value)
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_1_gives_the_local_defaults():
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_render_host_name_stands_in_for_allowed_hosts_and_site_url():
    env = {key: value for key, value in PRODUCTION.items() if key not in {"ALLOWED_HOSTS", "SITE_URL"}}
    show = "from django.conf import settings; print(settings.ALLOWED_HOSTS, settings.SITE_URL)"
    result = manage("shell", "-c", show, RENDER_EXTERNAL_HOSTNAME="crayon-tales.onrender.com", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['crayon-tales.onrender.com'] https://crayon-tales.onrender.com"
