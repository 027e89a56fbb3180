"""The pages that tell a parent who we are and what we promise."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "facts"),
    [
        ("/contact/", ["help@shop.test"]),
        ("/faq/", ["minutes", "dedication", "12 scenes", "colored reference", "US Letter", "A4", "4 to 26"]),
        ("/refunds/", ["Redraw pages", "Refund", "Stripe", "delivery email again", "print-shop", "help@shop.test"]),
        ("/privacy/", ["after 7 days", "IP address", "Stripe", "Gemini", "never the child's name", "Delete my data"]),
        ("/terms/", ["digital product", "$9.99", "/privacy/"]),
    ],
)
def test_each_page_renders_its_key_facts(client, settings, url, facts):
    settings.SHOP_CONTACT_EMAIL = "help@shop.test"
    settings.PREVIEW_MAX_AGE_DAYS = 7
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for fact in facts:
        assert fact in html, fact


def test_the_contact_email_defaults_to_the_sending_address():
    from email.utils import parseaddr

    from django.conf import settings

    assert parseaddr(settings.DEFAULT_FROM_EMAIL)[1] == settings.SHOP_CONTACT_EMAIL


def test_footer_links_to_every_page_from_the_storefront(client):
    html = client.get("/").content.decode()
    for url in ("/contact/", "/faq/", "/refunds/", "/privacy/", "/terms/"):
        assert f'href="{url}"' in html, url


def test_a_hostile_contact_setting_is_escaped(client, settings):
    settings.SHOP_CONTACT_EMAIL = '"><script>alert(1)</script>'
    for url in ("/contact/", "/refunds/", "/privacy/", "/terms/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
