"""A token that cannot be one (a NUL byte, a byte that is not UTF-8, a
character outside the token alphabet, too long) is answered 404 on every
route that takes one, as an unknown token is, and never reaches the
database: PostgreSQL refuses a NUL byte in a query (a 500 before)."""

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver

from generator.models import Page, new_token
from tests.conftest import ORDER_FORM

pytestmark = pytest.mark.django_db

# Every route with a token, with the method its view answers.
TOKEN_ROUTES = {
    "previews/{t}/": "get",
    "previews/{t}/status.json": "get",
    "previews/{t}/images/cover-0.jpg": "get",
    "previews/{t}/redraw/": "post",
    "orders/{t}/": "get",
    "orders/{t}/delete/": "post",
    "orders/{t}/status.json": "get",
    "orders/{t}/pages/1.jpg": "get",
    "orders/{t}/demo-checkout/": "post",
    "orders/{t}/download/abc/": "get",
}

# As a browser or a script would send them, percent-encoded.
UNREADABLE = ["%00", "abc%00def", "%00" * 32, "%FF", "%C3%A9t%C3%A9", "a%20b", "a.b", "~x", "a" * 65]


def token_routes(patterns, prefix: str = "") -> list[str]:
    """The route of every URL pattern that takes a token, as written."""
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += token_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "token" in pattern.pattern.converters:
            routes.append(route)
    return routes


def test_the_list_names_every_token_route():
    written = {route.replace("{t}", "<token:token>") for route in TOKEN_ROUTES}
    found = set(token_routes(get_resolver().url_patterns))
    # The test's paths fill in the other parameters.
    found = {
        route.replace("<str:which>-<int:scene>", "cover-0")
        .replace("<int:number>", "1")
        .replace("<str:signature>", "abc")
        for route in found
    }
    assert found == written


@pytest.mark.parametrize("token", UNREADABLE)
@pytest.mark.parametrize("route", TOKEN_ROUTES)
def test_an_unreadable_token_is_not_found(client, route, token):
    method = getattr(client, TOKEN_ROUTES[route])
    response = method("/" + route.format(t=token))
    assert response.status_code == 404


def test_readable_tokens_still_find_their_order(client, make_order):
    order = make_order()
    assert client.get(f"/orders/{order.token}/").status_code == 200
    assert client.get(f"/orders/{new_token()}/").status_code == 404


def test_a_token_in_a_form_or_query_that_cannot_be_one_is_refused_calmly(client):
    assert client.get("/?from=%FF").status_code == 200
    assert client.get("/?from=%00").status_code == 400
    response = client.post("/order/", {**ORDER_FORM, "preview": "abc\x00"})
    assert response.status_code == 410


def test_the_admin_answers_unreadable_ids_without_an_error(client, finished_book):
    client.force_login(User.objects.create_superuser("boss", password="pw-123456789"))
    page = Page.objects.first()
    # Not found, or the admin's "no such object" (a redirect to its list).
    paths = [
        "/admin/generator/page/%00/thumbnail/colored/",
        f"/admin/generator/page/{page.pk}/thumbnail/%00/",
        "/admin/generator/job/%00/print.pdf",
        "/admin/generator/job/%00/change/",
        "/admin/orders/order/%00/change/",
    ]
    assert {path: client.get(path).status_code in (301, 302, 404) for path in paths} == dict.fromkeys(paths, True)
    # A NUL in any query parameter: the admin's list filters, its search.
    queries = ["/admin/orders/order/?status=%00", "/admin/generator/job/?q=%00", "/admin/orders/order/?%00=1"]
    assert [client.get(path).status_code for path in queries] == [400, 400, 400]
