"""Response headers: a strict Content-Security-Policy on every page (no
inline script or style but the page's own, carrying the request's nonce),
the language cookie sent over HTTPS only in production, and downloads kept
out of every cache but the customer's own browser memory.

The browser tests (tests/browser) run every page under this policy and fail
on any violation; these check the policy and the markup without a browser."""

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User

from generator.models import Job
from orders import previews
from orders.links import download_path
from tests.conftest import ORDER_FORM, ROOT
from tests.test_settings import PRODUCTION

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


class InlineCode(HTMLParser):
    """What a page runs or styles inline: script and style elements (with
    their nonce), style attributes and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, str | None]] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in attrs):
            self.elements.append((tag, attrs.get("nonce")))
        self.attributes += [f"<{tag} {name}>" for name in attrs if name == "style" or name.startswith("on")]


def assert_strict(response) -> None:
    assert response.status_code == 200, response.status_code
    directives = policy(response)
    nonces = [source for source in directives["script-src"] if source.startswith("'nonce-")]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[directive] and "'unsafe-eval'" not in directives[directive]
        assert directives[directive][0] == "'self'"
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    page = InlineCode()
    page.feed(response.content.decode())
    assert page.attributes == []
    if page.elements:
        # One nonce per response, on every inline element, in both directives.
        assert len(nonces) == 1 and nonces[0] in directives["style-src"]
        assert {nonce for _, nonce in page.elements} == {nonces[0][len("'nonce-") : -1]}


def test_the_shop_pages_run_under_a_strict_policy(client, finished_book, settings):
    preview = previews.preview_create(**ORDER_FORM, client_ip="203.0.113.1")
    pages = ["/", "/faq/", "/contact/", "/refunds/", "/privacy/", "/terms/"]
    pages += [f"/orders/{finished_book.token}/", f"/previews/{preview.token}/"]
    for page in pages:
        assert_strict(client.get(page))
    # A refused form, and the demo checkout.
    assert client.post("/order/", {}).status_code == 400
    unpaid = client.post("/order/", ORDER_FORM)
    assert_strict(client.get(unpaid["Location"]))


def test_the_nonce_changes_with_every_response(client):
    nonces = {re.search(r"'nonce-([^']+)'", client.get("/").headers["Content-Security-Policy"]).group(1)}
    nonces.add(re.search(r"'nonce-([^']+)'", client.get("/").headers["Content-Security-Policy"]).group(1))
    assert len(nonces) == 2


def test_the_admin_runs_under_the_same_policy(client, finished_book):
    assert_strict(client.get("/admin/login/"))
    client.force_login(User.objects.create_superuser("boss", password="pw-123456789"))
    job = Job.objects.get()
    for page in (
        "/admin/",
        "/admin/orders/order/",
        f"/admin/orders/order/{finished_book.pk}/change/",
        "/admin/orders/preview/",
        "/admin/orders/sentemail/",
        "/admin/generator/job/",
        f"/admin/generator/job/{job.pk}/change/",
        "/admin/generator/job/dashboard/",
        "/admin/generator/page/",
        "/admin/otp_totp/totpdevice/",
        "/admin/axes/accessattempt/",
    ):
        assert_strict(client.get(page))


def test_pdf_downloads_are_private_and_not_stored(client, finished_book):
    response = client.get(download_path(finished_book))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert not any(part.startswith(("public", "max-age=", "s-maxage")) for part in directives)


SET_LANGUAGE = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "bookshop.settings"
import django
django.setup()
from django.test import Client
response = Client().post("/i18n/setlang/", {"language": "fr", "next": "/"}, secure=True,
                         HTTP_HOST="shop.example.com")
cookie = response.cookies["shop_language"]
print("COOKIE", cookie.value, "secure=" + str(bool(cookie["secure"])), "httponly=" + str(bool(cookie["httponly"])))
"""


def test_the_language_cookie_is_secure_in_production(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), **PRODUCTION}
    result = subprocess.run(
        [sys.executable, "-c", SET_LANGUAGE], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "COOKIE fr secure=True httponly=True" in result.stdout


def test_the_language_cookie_works_over_plain_http_locally(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.cookies["shop_language"].value == "fr"
    assert not response.cookies["shop_language"]["secure"]
