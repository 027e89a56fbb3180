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


# In French: the visitor's language comes from the shop_language cookie, else Accept-Language.
FRENCH = {
    "/contact/": [
        "<h1>Nous contacter</h1>",
        "Crayon Tales crée des livres de coloriage personnalisés",
        "Chaque message est lu par une vraie personne, en général sous un ou deux jours ouvrés.",
        'Écrivez-nous à <a href="mailto:help@shop.test">help@shop.test</a>',
    ],
    "/faq/": [
        "<h1>Questions et réponses</h1>",
        "En général, quelques minutes après le paiement.",
        "12\u00a0scènes, chacune avec un modèle en couleurs et une page en noir et blanc à colorier.",
        "imprimez les pages paires de 4 à 26",
        "Combien de temps le lien de téléchargement est-il valable\u202f?",
        "au bout de 7\u00a0jours.",
    ],
    "/refunds/": [
        "<h1>Remboursements et notre engagement</h1>",
        "<strong>Redessiner des pages.</strong>",
        "via notre prestataire de paiement Stripe",
        "nous pouvons vous renvoyer l’e-mail de livraison",
        "Vous n’avez rien à renvoyer.",
    ],
    "/privacy/": [
        "<h1>Confidentialité\u00a0: ce que nous conservons, et combien de temps</h1>",
        "Un aperçu gratuit que vous ne commandez pas est supprimé, avec ses images, au bout de 7\u00a0jours.",
        "<strong>Votre adresse IP</strong>",
        "<strong>jamais le prénom de l’enfant</strong>",
        "<strong>Supprimer mes données</strong>",
        "Nous ne vendons pas vos données",
    ],
    "/terms/": [
        "<h1>Conditions de vente</h1>",
        "Un produit numérique\u00a0: un PDF prêt à imprimer",
        "merci de ne pas le revendre",
        '<a href="/privacy/">politique de confidentialité</a>',
    ],
}
ENGLISH_HEADINGS = {
    "/contact/": "<h1>Contact us</h1>",
    "/faq/": "<h1>Questions and answers</h1>",
    "/refunds/": "<h1>Refunds and our promise</h1>",
    "/privacy/": "<h1>Privacy: what we keep, and for how long</h1>",
    "/terms/": "<h1>Terms</h1>",
}


def _in_french(client, how):
    if how == "cookie":
        client.cookies["shop_language"] = "fr"
        return {}
    return {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
@pytest.mark.parametrize("url", list(FRENCH))
def test_each_page_in_french(client, settings, url, how):
    settings.SHOP_CONTACT_EMAIL = "help@shop.test"
    settings.PREVIEW_MAX_AGE_DAYS = 7
    response = client.get(url, **_in_french(client, how))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    for sentence in FRENCH[url]:
        assert sentence in html, sentence
    assert ENGLISH_HEADINGS[url] not in html


@pytest.mark.parametrize("url", list(FRENCH))
def test_each_page_stays_english_for_an_english_visitor(client, settings, url):
    settings.SHOP_CONTACT_EMAIL = "help@shop.test"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in html
    assert ENGLISH_HEADINGS[url] in html
    assert FRENCH[url][0] not in html


def test_french_typography_uses_no_break_spaces(client):
    html = client.get("/faq/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Puis-je le voir avant de payer\u202f?" in html
    assert "«\u00a0taille réelle\u00a0»" in html
    assert " :" not in html.split("<main>")[1].split("</main>")[0]


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_the_404_page_in_french(client, settings, how):
    settings.DEBUG = False
    response = client.get("/no-such-page/", **_in_french(client, how))
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Nous ne trouvons pas cette page" in html
    assert '<a href="/">commencez un nouveau livre</a>' in html
    assert "We can't find that page" not in html


def test_the_500_page_in_french():
    from django.template import loader
    from django.utils import translation

    with translation.override("fr"):
        html = loader.get_template("500.html").render()
    assert '<html lang="fr">' in html
    assert "Un problème est survenu de notre côté" in html
    assert "Votre commande est en lieu sûr." in html
    assert '<a href="/">revenez à la boutique</a>' in html


def test_the_faq_counts_redraws_in_the_singular_and_plural(client, settings):
    settings.PREVIEW_REDRAWS = 1
    assert "with 1 chance to see another scene" in client.get("/faq/").content.decode()
    assert "avec 1\xa0possibilité de voir" in client.get("/faq/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    settings.PREVIEW_REDRAWS = 2
    assert "with 2 chances to see another scene" in client.get("/faq/").content.decode()


def test_the_privacy_notice_names_every_order_whose_data_can_be_deleted(client):
    from orders.privacy import DELETABLE_STATUSES

    assert {str(status) for status in DELETABLE_STATUSES} == {"delivered", "refunded", "cancelled", "expired"}
    body = client.get("/privacy/").content.decode()
    assert "Once the book is delivered (or the order is refunded, cancelled, or expired unpaid)" in body
