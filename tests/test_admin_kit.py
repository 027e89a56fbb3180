"""The loop staff actions share: each row's outcome or refusal, told to staff."""

import pytest
from django.contrib import messages

from bookshop.admin_kit import run_each
from orders.models import Order


class Refused(Exception):
    pass


class FakeAdmin:
    def __init__(self):
        self.told: list[tuple[str, int]] = []

    def message_user(self, request, message, level):
        self.told.append((message, level))


def test_run_each_reports_outcomes_then_refusals_and_keeps_going():
    def act(order: Order) -> int:
        if order.pk == 2:
            raise Refused("not now")
        return order.pk * 10

    modeladmin = FakeAdmin()
    went = run_each(modeladmin, None, [Order(pk=1), Order(pk=2), Order(pk=3)], act, done="{} done", errors=(Refused,))
    assert went == 2
    assert modeladmin.told == [
        ("Order 1: 10 done.", messages.SUCCESS),
        ("Order 3: 30 done.", messages.SUCCESS),
        ("Order 2: not now", messages.ERROR),
    ]


def test_run_each_lets_other_exceptions_through():
    def act(order: Order) -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        run_each(FakeAdmin(), None, [Order(pk=1)], act, errors=(Refused,))
