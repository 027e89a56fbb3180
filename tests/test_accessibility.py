"""The order pages speak to screen readers: a real progress bar, announced
status changes, and focus on the first error after a refused form."""

import re

import pytest

from tests.conftest import ORDER_FORM as FORM

pytestmark = pytest.mark.django_db


def test_the_status_page_has_a_progressbar_and_a_live_status_line(client, make_order):
    order = make_order()
    html = client.get(f"/orders/{order.token}/").content.decode()
    bar = re.search(r'<div class="progress"[^>]*>', html).group(0)
    assert 'role="progressbar"' in bar
    assert 'aria-valuemin="0"' in bar
    assert 'aria-valuemax="24"' in bar
    assert 'aria-valuenow="0"' in bar
    assert re.search(r'<p class="state" id="state-text" aria-live="polite"[\s>]', html)
    # The poller keeps the bar's values up to date.
    assert 'setAttribute("aria-valuenow", s.pages_done)' in html
    assert 'setAttribute("aria-valuemax", s.pages_total)' in html


def test_a_refused_form_marks_the_invalid_field_and_focuses_the_first_error(client):
    html = client.post("/order/", {**FORM, "email": "not-an-email"}).content.decode()
    email = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email
    assert "fields[0].focus()" in html
    assert 'setAttribute("aria-invalid", "true")' in html
