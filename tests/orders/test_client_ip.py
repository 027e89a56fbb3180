"""The rate limits count the client's own address, as the platform delivers
it (orders/client_ip.py), with render.yaml's own settings where it matters:
customers behind one Cloudflare edge each have their own bucket, a forged
header never chooses one, and an IPv6 client counts by its /64."""

import pytest
import yaml

from orders.models import Order, Preview
from tests.conftest import ORDER_FORM, ROOT

pytestmark = pytest.mark.django_db

EDGE = "172.70.247.28"  # one of Cloudflare's addresses
RENDER_PROXY = "10.19.6.53"  # Render's proxy, on its private network
DIRECT = "93.184.216.34"  # a public address, not Render's proxy


def as_render_yaml_deploys(settings) -> None:
    """The client-address settings render.yaml gives the service."""
    service = yaml.safe_load((ROOT / "render.yaml").read_text())["services"][0]
    values = {var["key"]: var["value"] for var in service["envVars"] if "value" in var}
    settings.NUM_PROXIES = int(values.get("NUM_PROXIES", 0))
    settings.CLIENT_IP_SOURCE = values.get("CLIENT_IP_SOURCE", "")


def through_render(client_address: str, sent_forwarded_for: str = "") -> dict:
    """The headers a request through Cloudflare and Render's proxy arrives
    with: Cloudflare appends the client to any X-Forwarded-For it sent and
    sets CF-Connecting-IP; Render's proxy appends the edge."""
    chain = ", ".join(part for part in (sent_forwarded_for, client_address, EDGE) if part)
    return {
        "REMOTE_ADDR": RENDER_PROXY,
        "HTTP_X_FORWARDED_FOR": chain,
        "HTTP_CF_CONNECTING_IP": client_address,
        "HTTP_TRUE_CLIENT_IP": client_address,
    }


def preview(client, email: str, **meta: str) -> int:
    return client.post("/preview/", {**ORDER_FORM, "email": email}, **meta).status_code


def test_twelve_customers_behind_one_cloudflare_edge_each_have_their_own_limit(client, settings):
    as_render_yaml_deploys(settings)
    settings.PREVIEWS_PER_ADDRESS_PER_DAY = 10
    customers = [f"198.51.100.{n}" for n in range(1, 13)]
    statuses = [preview(client, f"parent{n}@example.com", **through_render(ip)) for n, ip in enumerate(customers)]
    assert statuses == [303] * 12
    assert sorted(Preview.objects.values_list("client_ip", flat=True)) == sorted(customers)
    # Their orders too, each storing its customer's address, not the edge's.
    settings.ORDER_RATE_LIMIT_PER_HOUR = 10
    for n, ip in enumerate(customers):
        response = client.post("/order/", {**ORDER_FORM, "email": f"parent{n}@example.com"}, **through_render(ip))
        assert response.status_code == 303, n
    assert sorted(Order.objects.values_list("client_ip", flat=True)) == sorted(customers)


def test_a_forged_header_never_escapes_the_limit(client, settings):
    as_render_yaml_deploys(settings)
    settings.PREVIEWS_PER_ADDRESS_PER_DAY = 3
    # Through Render: whatever the client writes in X-Forwarded-For,
    # CF-Connecting-IP or True-Client-IP, Cloudflare's header is its address.
    for n in range(5):
        meta = through_render("198.51.100.7", sent_forwarded_for=f"203.0.113.{n}")
        status = preview(client, f"parent{n}@example.com", **meta)
        assert status == (303 if n < 3 else 429), n
    # Straight to the app's port from the internet (not through Render's
    # proxy): its headers are its own, and the connection's address counts.
    for n in range(5):
        forged = f"192.0.2.{n}"
        meta = {"HTTP_X_FORWARDED_FOR": forged, "HTTP_CF_CONNECTING_IP": forged, "HTTP_TRUE_CLIENT_IP": forged}
        status = preview(client, f"direct{n}@example.com", REMOTE_ADDR=DIRECT, **meta)
        assert status == (303 if n < 3 else 429), n
    assert set(Preview.objects.values_list("client_ip", flat=True)) == {"198.51.100.7", DIRECT}


def test_behind_one_proxy_the_clients_own_x_forwarded_for_entries_are_ignored(client, settings):
    settings.CLIENT_IP_SOURCE, settings.NUM_PROXIES = "proxy", 1
    settings.PREVIEWS_PER_ADDRESS_PER_DAY = 2
    for n in range(4):
        meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"203.0.113.{n}, 198.51.100.7"}
        assert preview(client, f"parent{n}@example.com", **meta) == (303 if n < 2 else 429), n


def test_behind_one_proxy_an_entry_the_proxy_did_not_write_is_never_the_client(settings, rf):
    """The proxy appended something that is no address: the entry before it
    is the client's own writing, not a way out of the unreadable bucket."""
    from orders.client_ip import client_address

    settings.CLIENT_IP_SOURCE, settings.NUM_PROXIES = "proxy", 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5, unknown")
    assert client_address(request) is None
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7")
    assert str(client_address(request)) == "198.51.100.7"


def test_an_ipv6_client_counts_by_its_64(client, settings):
    settings.CLIENT_IP_SOURCE = "direct"
    settings.PREVIEWS_PER_ADDRESS_PER_DAY = 10
    statuses = [preview(client, f"p{n}@example.com", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}") for n in range(24)]
    assert statuses == [303] * 10 + [429] * 14
    # The next /64 is another client.
    assert preview(client, "other@example.com", REMOTE_ADDR="2001:db8:1:3::1") == 303
    assert set(Preview.objects.values_list("client_ip", flat=True)) == {"2001:db8:1:2::", "2001:db8:1:3::"}
