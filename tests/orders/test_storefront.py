"""The order form and the order pages: clear answers to bad input, customer
text escaped everywhere, tokens that reveal nothing."""

import re

import pytest
from django.core import mail

from generator import tasks
from orders.models import Order
from orders.outbox import outbox_send_due
from tests.conftest import ORDER_FORM as FORM

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "", "This field is required."),
        ("theme", "x" * 121, "Ensure this value has at most 120 characters"),
        ("theme", "", "This field is required."),
        ("theme", "ab", "Ensure this value has at least 3 characters"),
        ("child_name", "n" * 41, "Ensure this value has at most 40 characters"),
        ("age_group", "adults", "Select a valid choice."),
        ("paper_size", "a3", "Select a valid choice."),
        ("theme", "line\x00break", "Null characters are not allowed."),
    ],
)
def test_bad_input_gets_a_clear_form_error_and_creates_nothing(client, field, value, message):
    response = client.post("/order/", {**FORM, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_price_comes_from_the_server_not_the_form(client, settings):
    settings.BOOK_PRICE_CENTS = 1299
    client.post("/order/", {**FORM, "amount_cents": "1", "currency": "xxx"})
    order = Order.objects.get()
    assert (order.amount_cents, order.currency) == (1299, "usd")


def test_hostile_name_is_escaped_on_every_page_and_email(client, paid_order):
    order = paid_order(child_name=HOSTILE, theme=f"robots {HOSTILE}")
    pages = [
        client.get(f"/orders/{order.token}/demo-checkout/"),
        client.get(f"/orders/{order.token}/"),
    ]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert HOSTILE not in body
        assert "&lt;script&gt;" in body
    tasks.job_run_next()
    outbox_send_due()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html
        # The plain-text part is text: the name appears as typed.
        assert HOSTILE in message.body


def test_theme_whitespace_is_tidied(client):
    client.post("/order/", {**FORM, "theme": "  space   cats \t on the moon "})
    assert Order.objects.get().theme == "space cats on the moon"


def test_unknown_and_malformed_tokens_are_plain_404s(client, make_order):
    make_order()
    for token in ("1", "no-such-token", "x" * 200, "%3Cscript%3E"):
        for suffix in ("", "status.json", "demo-checkout/"):
            response = client.get(f"/orders/{token}/{suffix}")
            assert response.status_code == 404, (token, suffix)


def test_tokens_are_long_random_and_not_ids(client, make_order):
    orders = [make_order() for _ in range(20)]
    tokens = [order.token for order in orders]
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token), token
        # Random characters from a large alphabet, not a padded number.
        assert len(set(token)) >= 16, token
    # Not counted or timed: orders placed one after another share no prefix.
    assert len({token[:8] for token in tokens}) == len(tokens)
    # An order's pages answer to its token, never to its id.
    order = orders[-1]
    assert client.get(f"/orders/{order.token}/").status_code == 200
    for suffix in ("", "status.json", "demo-checkout/"):
        assert client.get(f"/orders/{order.pk}/{suffix}").status_code == 404, suffix


def test_status_json_has_the_documented_fields(client, make_order):
    order = make_order()
    data = client.get(f"/orders/{order.token}/status.json").json()
    assert set(data) == {"status", "queue_position", "pages_done", "pages_total", "eta_seconds", "download_url"}
    assert data["status"] == "pending_payment"
    assert data["pages_total"] == 24
    assert data["download_url"] is None


def test_webhook_and_order_form_reject_wrong_methods(client):
    assert client.get("/order/").status_code == 405
    assert client.get("/api/webhook").status_code == 405
