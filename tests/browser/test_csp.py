"""The browser tests' watch on the Content-Security-Policy can fail: code
a page did not bring (here, an inline script added by hand, as injected
markup would be) is refused by the browser and fails the test."""

import time

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def lang() -> str:
    return "en"


@pytest.fixture
def viewport() -> str:
    return "desktop"


def test_an_inline_script_without_the_nonce_is_refused_and_fails_the_test(shop):
    shop.goto("/faq/", "faq")
    assert shop.csp_violations == []
    shop.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';"
        " document.body.append(s); }"
    )
    # The report reaches the test asynchronously; a deadline only for a stuck browser.
    deadline = time.monotonic() + 15
    while not shop.csp_violations and time.monotonic() < deadline:
        shop.page.evaluate("new Promise(resolve => setTimeout(resolve, 50))")
    assert shop.page.evaluate("window.ran === undefined")
    assert any("script-src" in violation for violation in shop.csp_violations), shop.csp_violations
    with pytest.raises(pytest.fail.Exception, match="Content-Security-Policy violation"):
        shop.assert_clean()
