"""What the customer's emails say and how they look: in the order's
language whoever writes them, from the brand, with the order's number and
its receipt, a subject naming the book, and a layout that fits a phone."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import translation

from orders.emails import email_build
from orders.models import EmailKind, Order, SentEmail

KINDS = [EmailKind.CONFIRMATION, EmailKind.DELIVERY, EmailKind.DELAYED, EmailKind.REFUND]
PAID_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def built(order: Order, kind: str):
    """The message the outbox would send for the order's email of `kind`."""
    message, _ = email_build(email=SentEmail(order=order, kind=kind, message_id=f"<{kind}@test>"))
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message, message.body, html


@pytest.fixture
def order(paid_order):
    def factory(**fields) -> Order:
        made = paid_order(**fields)
        Order.objects.filter(pk=made.pk).update(paid_at=PAID_AT)
        made.refresh_from_db()
        return made

    return factory


FRENCH = {
    EmailKind.CONFIRMATION: (
        "Nous dessinons votre livre de coloriage pour Mia",
        "Merci\u00a0! Nous dessinons votre livre.",
    ),
    EmailKind.DELIVERY: ("Votre livre de coloriage pour Mia est prêt", "Votre livre de coloriage est prêt\u00a0!"),
    EmailKind.DELAYED: (
        "Votre livre de coloriage pour Mia prend un peu de retard",
        "Votre livre prend un peu de retard",
    ),
    EmailKind.REFUND: (
        "Votre commande du livre de coloriage pour Mia a été remboursée",
        "Votre commande a été remboursée",
    ),
}
ENGLISH = {
    EmailKind.CONFIRMATION: ("We're drawing Mia's coloring book", "Thank you! We're drawing your book."),
    EmailKind.DELIVERY: ("Mia's coloring book is ready", "Your coloring book is ready!"),
    EmailKind.DELAYED: ("Mia's coloring book is running a little late", "Your book is running a little late"),
    EmailKind.REFUND: ("Your order of Mia's coloring book was refunded", "Your order was refunded"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_french_order_gets_its_emails_in_french_whatever_language_is_active(order, kind):
    french = order(language="fr")
    with translation.override("en"):  # a staff action on an English page, the worker
        message, text, html = built(french, kind)
    subject, heading = FRENCH[kind]
    assert message.subject == subject
    for part in (text, html):
        assert heading in part
        assert f"Commande {french.number}" in part
        assert "Une question\u00a0? Écrivez-nous à" in part
        assert "Questions et réponses" in part and "Remboursements" in part
        assert "coloring" not in part.replace("coloring-book", "")
    assert '<html lang="fr"' in html
    assert translation.get_language() == "en"  # the override ends with the email


@pytest.mark.parametrize("kind", KINDS)
def test_an_english_order_stays_english_under_a_french_page(order, kind):
    english = order()
    with translation.override("fr"):
        message, text, html = built(english, kind)
    subject, heading = ENGLISH[kind]
    assert message.subject == subject
    for part in (text, html):
        assert heading in part
        assert f"Order {english.number}" in part
        assert "Questions? Write to us at" in part
    assert '<html lang="en"' in html


def test_the_paid_date_and_the_price_are_written_in_the_orders_language(order):
    _, text, html = built(order(language="fr"), EmailKind.CONFIRMATION)
    for part in (text, html):
        assert "29 novembre 2026" in part
        assert "9,99" in part
    assert "Payé le\u00a0: 29 novembre 2026" in text
    _, text, html = built(order(), EmailKind.CONFIRMATION)
    for part in (text, html):
        assert "Nov. 29, 2026" in part
        assert "$9.99" in part


@pytest.mark.parametrize("kind", KINDS)
def test_the_subject_names_the_child_or_else_the_books_theme(order, kind):
    assert "Mia" in built(order(), kind)[0].subject
    untitled = order(child_name="", theme="dinosaurs having a picnic")
    assert "Dinosaurs having a picnic" in built(untitled, kind)[0].subject
    french = order(child_name="", theme="licornes", language="fr")
    assert "«\u00a0Licornes\u00a0»" in built(french, kind)[0].subject


def test_a_long_theme_is_cut_short_in_the_subject_not_in_the_body(order):
    theme = "dinosaurs having a picnic under a very big rainbow near the sea"
    message, text, html = built(order(child_name="", theme=theme), EmailKind.DELIVERY)
    assert message.subject == "Your coloring book “Dinosaurs having a picnic under a very…” is ready"
    assert theme[1:] in text and theme[1:] in html


@pytest.mark.parametrize("kind", KINDS)
def test_emails_come_from_the_shop_name_at_the_configured_address(order, settings, kind):
    made = order()
    assert built(made, kind)[0].from_email == "Crayon Tales <books@localhost>"
    settings.DEFAULT_FROM_EMAIL = "Coloring Book Shop <hello@crayontales.example>"
    settings.SHOP_NAME = "Crayon Tales, Paris"
    message = built(made, kind)[0]
    assert message.from_email == '"Crayon Tales, Paris" <hello@crayontales.example>'
    assert 'From: "Crayon Tales, Paris" <hello@crayontales.example>' in message.message().as_string()


def test_the_order_number_is_short_fixed_and_not_the_token(order):
    made = order()
    assert made.number == f"CT-{made.pk:06d}"
    assert re.fullmatch(r"CT-\d{6,}", made.number)
    assert made.token not in made.number


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_carries_the_order_number(order, kind):
    made = order()
    _, text, html = built(made, kind)
    assert made.number in text and made.number in html


def test_the_confirmation_is_a_receipt_in_both_parts(order):
    made = order(theme="dinosaurs", child_name="Léa", paper_size="a4")
    _, text, html = built(made, EmailKind.CONFIRMATION)
    for part in (text, html):
        assert "Receipt" in part
        assert "Personalized coloring book: Dinosaurs, for Léa" in part
        assert "A4 paper" in part and "12 scenes" in part
        assert made.price_display in part
        assert "Total" in part and "Paid on" in part and "Order number" in part
    assert f"Total: {made.price_display}" in text
    assert f"Order number: {made.number}" in text
    french = order(theme="dinosaures", child_name="Léa", paper_size="letter", language="fr")
    _, text, html = built(french, EmailKind.CONFIRMATION)
    for part in (text, html):
        assert "Livre de coloriage personnalisé\u00a0: Dinosaures, pour Léa" in part
        assert "Format Lettre US" in part and "12 scènes" in part
        assert "Reçu" in part and "Numéro de commande" in part


@pytest.mark.parametrize("kind", KINDS)
def test_the_html_fits_a_phone(order, kind):
    _, _, html = built(order(), kind)
    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1">', html)
    widths = [int(w) for w in re.findall(r'\bwidth="(\d+)"', html)]
    widths += [int(w) for w in re.findall(r"(?<![-\w])width:\s*(\d+)px", html)]
    assert all(width <= 600 for width in widths), widths
    assert "max-width:600px" in html
    # A branded header, and a footer with the contact address and the site's pages.
    assert "background:#c8412b" in html and ">Crayon Tales</a>" in html
    assert 'href="mailto:books@localhost"' in html
    assert 'href="http://shop.test/faq/"' in html and 'href="http://shop.test/refunds/"' in html


@pytest.mark.parametrize("kind", KINDS)
def test_the_plain_text_part_has_the_links_and_the_footer(order, kind):
    _, text, _ = built(order(), kind)
    assert "<" not in text.replace("<x@", "")
    assert "http://shop.test/faq/" in text and "http://shop.test/refunds/" in text
    assert "books@localhost" in text


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_names_are_escaped_in_html_and_one_line_in_the_subject(order, kind):
    made = order()
    hostile = "<b>Mia</b>\r\nBcc: evil@example.com\u202e"
    Order.objects.filter(pk=made.pk).update(child_name=hostile, theme='<img src=x onerror="alert(1)">')
    made.refresh_from_db()
    message, text, html = built(made, kind)
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "\u202e" not in message.subject
    assert message.subject.count("<b>Mia</b> Bcc: evil@example.com") == 1
    headers = message.message().as_string().split("\n\n", 1)[0]
    assert "\nBcc:" not in headers
    assert "<b>Mia</b>" not in html and "<img src=x" not in html
    assert "&lt;b&gt;Mia&lt;/b&gt;" in html
    # The plain text shows what was typed, as text.
    assert "<b>Mia</b>" in text
