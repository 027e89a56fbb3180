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
    assert {"status", "queue_position", "pages_done", "pages_total", "eta_seconds", "download_url"} <= set(data)
    assert data["status"] == "pending_payment"
    assert data["pages_total"] == 24
    assert data["download_url"] is None


def test_webhook_and_order_form_reject_wrong_methods(client):
    assert client.get("/order/").status_code == 405
    assert client.get("/api/webhook").status_code == 405


LOOK = {
    "child_kind": "girl",
    "hair_color": "red",
    "hair_style": "curly",
    "skin_tone": "4",
    "glasses": "on",
    "dedication": "Happy 5th birthday!\r\nLove, Grandma",
}


def test_form_stores_the_look_and_the_dedication_and_the_job_gets_them(client, django_capture_on_commit_callbacks):
    response = client.post("/order/", {**FORM, **LOOK})
    assert response.status_code == 303
    order = Order.objects.get()
    assert (order.child_kind, order.hair_color, order.hair_style, order.skin_tone, order.glasses) == (
        "girl", "red", "curly", "4", True,
    )  # fmt: skip
    # Line breaks are kept (at most 3 lines), each line tidied.
    assert order.dedication == "Happy 5th birthday!\nLove, Grandma"
    from orders import services

    with django_capture_on_commit_callbacks(execute=True):
        services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
    order.refresh_from_db()
    assert order.job.dedication == order.dedication
    assert (order.job.child_kind, order.job.skin_tone, order.job.glasses) == ("girl", "4", True)


def test_form_without_the_optional_fields_still_places_an_order(client):
    response = client.post("/order/", FORM)
    assert response.status_code == 303
    order = Order.objects.get()
    assert (order.child_kind, order.hair_color, order.hair_style, order.skin_tone) == ("child", "", "", "")
    assert (order.glasses, order.dedication) == (False, "")


def test_storefront_offers_the_look_and_a_dedication_with_let_us_choose_first(client):
    body = client.get("/").content.decode()
    for name in ("child_kind", "hair_color", "hair_style", "skin_tone", "glasses", "dedication"):
        assert f'name="{name}"' in body, name
    assert re.search(r'<select name="hair_color"[^>]*>\s*<option value="" selected>Let us choose</option>', body)
    assert 'maxlength="160"' in body
    # Every skin tone swatch has a text label for screen readers.
    for label in ("Let us choose", "Light", "Medium", "Deep"):
        assert f'<span class="swatch-label">{label}</span>' in body


def test_dedication_lines_are_tidied_and_at_most_three(client):
    client.post("/order/", {**FORM, "dedication": " one \n\n two\t2 \n three \n four \n"})
    assert Order.objects.get().dedication == "one\ntwo 2\nthree four"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dedication", "x" * 161, "Please keep the message to 160 characters (it has 161)."),
        ("dedication", "hello\x1b[31m", "Please use plain text."),
        ("dedication", "hello\x00", "Null characters are not allowed."),
        ("child_kind", "dragon", "Select a valid choice."),
        ("hair_color", "green", "Select a valid choice."),
        ("hair_style", "mohawk", "Select a valid choice."),
        ("skin_tone", "9", "Select a valid choice."),
    ],
)
def test_bad_look_or_dedication_gets_a_clear_error_and_the_section_opens(client, field, value, message):
    response = client.post("/order/", {**FORM, field: value})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert '<details class="look" open>' in body
    assert not Order.objects.exists()


def test_hostile_dedication_is_escaped_when_the_form_comes_back(client):
    response = client.post("/order/", {**FORM, "email": "nope", "dedication": HOSTILE})
    body = response.content.decode()
    assert response.status_code == 400
    assert HOSTILE not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</textarea>" in body


def test_hostile_dedication_is_escaped_on_every_page_and_email(client, paid_order):
    order = paid_order(dedication=HOSTILE)
    for url in (f"/orders/{order.token}/demo-checkout/", f"/orders/{order.token}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert HOSTILE not in response.content.decode()
    tasks.job_run_next()
    outbox_send_due()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert HOSTILE not in message.alternatives[0][0]
