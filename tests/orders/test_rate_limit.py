"""The order rate limit holds when many orders from one address arrive at
once (on PostgreSQL too, where a count and an insert are not atomic by
themselves), and an address that cannot be read is limited, not waved on."""

import threading

import pytest
from django.db import connection

from orders import services
from orders.models import Order
from tests.conftest import ORDER_FORM


@pytest.mark.django_db(transaction=True)
def test_twenty_orders_at_once_from_one_address_let_exactly_the_limit_through(settings):
    settings.ORDER_RATE_LIMIT_PER_HOUR = 3
    threads_count = 20
    start = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def place() -> None:
        try:
            start.wait()
            try:
                services.order_create(**ORDER_FORM, client_ip="203.0.113.7")
                outcome = "placed"
            except services.OrderRateLimited:
                outcome = "limited"
            except Exception as exc:  # reported by the assertion below
                outcome = f"error: {exc!r}"
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=place) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(outcomes)) == ["limited", "placed"], outcomes
    assert outcomes.count("placed") == 3
    assert Order.objects.filter(client_ip="203.0.113.7").count() == 3


@pytest.mark.django_db
def test_an_unreadable_address_is_limited_in_a_bucket_of_its_own(client, settings):
    settings.ORDER_RATE_LIMIT_PER_HOUR = 3
    settings.NUM_PROXIES = 1
    for _ in range(3):
        response = client.post("/order/", ORDER_FORM, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")
        assert response.status_code == 303
    response = client.post("/order/", ORDER_FORM, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="garbage")
    assert response.status_code == 429
    assert Order.objects.count() == 3
    # A readable address has its own bucket still.
    response = client.post("/order/", ORDER_FORM, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 303
