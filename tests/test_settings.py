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
    "GEMINI_API_KEY": "example-gemini-key",
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


REQUIRED = ["SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "EMAIL_BACKEND", "SITE_URL", "GEMINI_API_KEY"]


@pytest.mark.parametrize("missing", REQUIRED)
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


def show(*names: str, **env: str) -> list[str]:
    """The settings `names` as production loads them with `env`, one a line."""
    code = "from django.conf import settings; " + "; ".join(f"print(repr(settings.{name}))" for name in names)
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-len(names) :]


def test_production_refuses_the_offline_provider_unless_chosen():
    """Without a Gemini key production would sell procedural drawings for
    the book's price: it refuses, unless IMAGE_PROVIDER=offline says so."""
    env = {key: value for key, value in PRODUCTION.items() if key != "GEMINI_API_KEY"}
    refused = manage("check", **env)
    assert refused.returncode != 0
    assert "GEMINI_API_KEY must be set" in refused.stderr
    assert "IMAGE_PROVIDER=offline" in refused.stderr
    assert show("IMAGE_PROVIDER", **env, IMAGE_PROVIDER="offline") == ["'offline'"]
    assert show("IMAGE_PROVIDER", **PRODUCTION) == ["'gemini'"]


def test_production_refuses_gemini_without_its_key():
    env = {key: value for key, value in PRODUCTION.items() if key != "GEMINI_API_KEY"}
    result = manage("check", **env, IMAGE_PROVIDER="gemini")
    assert result.returncode != 0
    assert "GEMINI_API_KEY must be set when IMAGE_PROVIDER is gemini" in result.stderr


def test_production_requires_site_url_outside_render():
    """Links in emails must not point at 127.0.0.1 because SITE_URL was forgotten."""
    env = {key: value for key, value in PRODUCTION.items() if key != "SITE_URL"}
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr
    relative = manage("check", **{**PRODUCTION, "SITE_URL": "shop.example.com"})
    assert "SITE_URL must be an absolute http(s) URL" in relative.stderr


def test_render_external_url_stands_in_for_site_url():
    env = {key: value for key, value in PRODUCTION.items() if key != "SITE_URL"}
    url = "https://crayon-tales-x1y2.onrender.com"
    assert show("SITE_URL", **env, RENDER_EXTERNAL_URL=url + "/") == [repr(url)]


def test_smtp_is_configured_from_the_environment():
    env = {
        **PRODUCTION,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "465",
        "EMAIL_HOST_USER": "shop",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_SSL": "1",
    }
    names = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_SSL", "EMAIL_USE_TLS")
    assert show(*names, **env) == ["'smtp.example.com'", "465", "'shop'", "'secret'", "True", "False"]
    starttls = {**env, "EMAIL_PORT": "587", "EMAIL_USE_SSL": ""}
    assert show("EMAIL_PORT", "EMAIL_USE_TLS", **starttls) == ["587", "True"]
    no_host = {key: value for key, value in env.items() if key != "EMAIL_HOST"}
    result = manage("check", **no_host)
    assert "EMAIL_HOST must be set" in result.stderr


def test_the_client_address_source_is_render_on_render_and_checked():
    show = ["shell", "-v", "0", "-c", "from django.conf import settings; print(repr(settings.CLIENT_IP_SOURCE))"]
    assert manage(*show, **PRODUCTION, RENDER="true").stdout.strip() == "'render'"
    assert manage(*show, **PRODUCTION, RENDER="true", CLIENT_IP_SOURCE="proxy").stdout.strip() == "'proxy'"
    assert manage(*show, **PRODUCTION).stdout.strip() == "''"  # then NUM_PROXIES decides (orders/client_ip.py)
    result = manage("check", **PRODUCTION, CLIENT_IP_SOURCE="x-forwarded-for")
    assert result.returncode != 0 and "CLIENT_IP_SOURCE must be" in result.stderr
