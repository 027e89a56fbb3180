"""The shop in French and English: the visitor's language (browser, then the
switcher's cookie), the order's language (kept for its emails and book),
prices as each language writes them, and a price per currency."""

import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from generator import lanes, tasks
from generator import selectors as job_selectors
from generator.thumbnails import preview_image
from orders.models import Order, Preview
from orders.outbox import outbox_send_due
from tests.conftest import ORDER_FORM

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}


def html_lang(body: str) -> str:
    return re.search(r'<html lang="([^"]+)"', body).group(1)


def test_the_storefront_speaks_the_browsers_language(client):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    french = client.get("/", **FRENCH).content.decode()
    assert html_lang(english) == "en" and html_lang(french) == "fr"
    assert "A coloring book about anything your child loves" in english
    assert "Un livre de coloriage sur tout ce que votre enfant aime" in french
    assert "De quoi parle le livre\u202f?" in french  # the form's labels too
    assert "Tout-petits (2–4 ans)" in french  # and its choices
    assert "A coloring book about" not in french
    # A French visitor's paper is A4 unless they choose otherwise.
    assert '<option value="a4" selected>A4</option>' in french
    assert '<option value="letter" selected>US Letter</option>' in english


def test_prices_are_written_as_each_language_writes_them(client):
    assert "Order now · $9.99" in client.get("/").content.decode()
    assert "Commander · 9,99\xa0$US" in client.get("/", **FRENCH).content.decode()


def test_the_switcher_sets_a_cookie_that_outranks_the_browser(client, settings):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/faq/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/faq/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html_lang(body) == "fr"
    # The switcher is on every page, naming each language in itself, the current one marked.
    assert '<button type="submit" name="language" value="fr" lang="fr" aria-current="true">Français</button>' in body
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in body


def test_an_order_keeps_the_language_of_the_page_it_was_placed_from(client):
    form = client.get("/", **FRENCH).content.decode()
    assert '<input type="hidden" name="language" value="fr"' in form
    client.post("/order/", {**ORDER_FORM, "language": "fr"}, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/order/", {**ORDER_FORM, "email": "b@example.com"}, **FRENCH)  # no field: the visitor's
    client.post("/order/", {**ORDER_FORM, "email": "c@example.com", "language": "de"})  # not ours: the visitor's
    languages = dict(Order.objects.values_list("email", "language"))
    assert languages == {"parent@example.com": "fr", "b@example.com": "fr", "c@example.com": "en"}


def test_a_french_preview_makes_a_french_book_job(client):
    response = client.post("/preview/", {**ORDER_FORM, "language": "fr"})
    assert response.status_code == 303
    preview = Preview.objects.get()
    assert preview.language == "fr" and preview.job.language == "fr"


def test_an_order_pays_in_its_languages_currency(client, settings):
    settings.BOOK_PRICES = {"eur": 899}
    settings.BOOK_LANGUAGE_CURRENCIES = {"fr": "eur"}
    assert "Commander · 8,99\xa0€" in client.get("/", **FRENCH).content.decode()
    assert "Order now · $9.99" in client.get("/").content.decode()
    client.post("/order/", {**ORDER_FORM, "language": "fr"})
    order = Order.objects.get()
    assert (order.amount_cents, order.currency, order.price_display) == (899, "eur", "8,99\xa0€")
    # The demo checkout asks for the order's own price, whoever looks.
    assert "Pay €8.99 (demo)" in client.get(f"/orders/{order.token}/demo-checkout/").content.decode()


def test_form_errors_are_in_the_visitors_language(client):
    response = client.post("/order/", {**ORDER_FORM, "theme": "ab"}, **FRENCH)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Assurez-vous que cette valeur comporte au moins 3 caractères" in body
    message = "x\n" * 200
    body = client.post("/order/", {**ORDER_FORM, "dedication": message}, **FRENCH).content.decode()
    assert "Le message doit tenir en 160 caractères" in body


def test_the_status_page_and_its_json_speak_the_visitors_language(client, paid_order):
    order = paid_order()
    page = client.get(f"/orders/{order.token}/", **FRENCH).content.decode()
    assert "Payé, merci\u202f! Votre livre est dans la file d’attente" in page
    # The texts the page's script shows as the book moves on are the page's own.
    assert 'data-generating="Nous dessinons vos pages."' in page
    assert f"Commande {order.number}" in page  # the number the emails give
    status = client.get(f"/orders/{order.token}/status.json", **FRENCH).json()
    assert status["eta_text"].startswith("encore environ") or status["eta_text"] == "moins d’une minute"
    tasks.job_run_next()
    page = client.get(f"/orders/{order.token}/", **FRENCH).content.decode()
    assert "Télécharger le PDF" in page and "Supprimer vos données" in page


def test_a_previews_pictures_carry_the_watermark_in_its_language(client, settings):
    for language in ("fr", "en"):
        client.post("/preview/", {**ORDER_FORM, "email": f"{language}@example.com", "language": language})
        preview = Preview.objects.get(language=language)
        lanes.preview_run_next()
        name = job_selectors.preview_progress(preview.job)["cover"]
        served = client.get(f"/previews/{preview.token}/images/cover-0.jpg").content
        mark, other = {"fr": ("APERÇU", "PREVIEW"), "en": ("PREVIEW", "APERÇU")}[language]
        assert served == preview_image(name, settings.PREVIEW_IMAGE_PIXELS, mark=mark).data
        assert served != preview_image(name, settings.PREVIEW_IMAGE_PIXELS, mark=other).data


def test_a_french_visitors_order_gets_french_emails_and_a_french_book(client):
    client.post("/order/", {**ORDER_FORM, "child_name": "Léa"}, **FRENCH)
    order = Order.objects.get()
    client.post(f"/orders/{order.token}/demo-checkout/", HTTP_ACCEPT_LANGUAGE="en")
    tasks.job_run_next()
    outbox_send_due()
    confirmation, delivery = mail.outbox
    assert "pour Léa" in confirmation.subject and "Merci" in confirmation.body
    assert "est prêt" in delivery.subject
    [(filename, pdf, mimetype)] = delivery.attachments
    assert mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf))
    cover = reader.pages[0].extract_text()
    assert "pour Léa" in cover and "12 dessins à colorier" in cover
    assert "Ce livre appartient à Léa" in " ".join(reader.pages[1].extract_text().split())
