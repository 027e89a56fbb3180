"""With DEBUG off, a lost visitor gets the shop's own 404 and 500 pages,
each with a way home."""

import pytest
from django.template import loader
from django.test import override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("bookshop.urls"))]


@override_settings(DEBUG=False)
def test_an_unknown_url_gets_the_shops_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html
    assert "css/shop.css" in html
    assert 'href="/"' in html


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_crashing_view_gets_the_shops_500_page(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Your order is safe" in html
    assert "css/shop.css" in html
    assert 'href="/">go back to the shop</a>' in html


def test_the_500_page_needs_no_context_nor_request():
    html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html
