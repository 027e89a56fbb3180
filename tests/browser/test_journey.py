"""A parent's journey in a real browser, in English and French, on a desktop
and on a phone: the storefront, a free preview drawn by a real worker, the
order from it, the demo checkout, the status page following the book live,
the PDF; then the pages about the shop and a 404. axe-core checks every
page; a serious or critical violation fails the test.

The assertions read roles, ids, field names and data attributes, never the
wording: the texts are translated, and the translations change."""

import re

import pytest
from django.db import close_old_connections

from orders.models import Order, OrderStatus
from tests.conftest import ORDER_FORM

pytestmark = pytest.mark.browser

TRUST_PAGES = ("faq", "contact", "refunds", "privacy", "terms")


@pytest.fixture(params=["en", "fr"])
def lang(request) -> str:
    return request.param


@pytest.fixture(params=["desktop", "phone"])
def viewport(request) -> str:
    return request.param


@pytest.mark.worker
def test_storefront_preview_order_pay_and_download(shop, worker):
    # The worker draws slowly enough (a tenth of a second an image) for the
    # pages to be seen updating themselves.
    worker(OFFLINE_IMAGE_LATENCY="0.1", PREVIEW_POLL_SECONDS="0.1").start()
    page = shop.page

    shop.goto("/", "storefront")
    form = page.locator("main form").first
    form.locator("[name=theme]").fill(ORDER_FORM["theme"])
    form.locator("[name=child_name]").fill(ORDER_FORM["child_name"])
    form.locator("[name=email]").fill(ORDER_FORM["email"])
    assert page.locator("details.look").get_attribute("open") is None  # the optional look stays closed

    with page.expect_response(lambda r: r.url.endswith("/preview/") and r.request.method == "POST") as posted:
        form.locator("button[formaction='/preview/']").click()
    assert posted.value.status == 303
    page.wait_for_url(re.compile(r"/previews/[^/]+/$"))

    # The preview page fills itself in as the pictures are drawn, and lets
    # the parent draw another scene once the preview is ready.
    page.locator("#redraw:enabled").wait_for(timeout=30_000)
    assert page.locator("#preview [role=progressbar]").get_attribute("aria-valuenow") == "3"
    for which in ("cover", "colored", "line_art"):
        image = page.locator(f"#img-{which}")
        image.wait_for(state="visible")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    cover = page.request.get(shop.url(page.locator("#img-cover").get_attribute("src")))
    assert cover.ok and cover.headers["content-type"] == "image/jpeg"
    shop.check("preview")

    # Order from the preview: the email is the one typed, the checkout the demo one.
    order_form = page.locator("form.preview-order")
    assert order_form.locator("[name=email]").input_value() == ORDER_FORM["email"]
    order_form.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"/orders/[^/]+/demo-checkout/$"))
    shop.check("checkout")
    token = page.url.rstrip("/").split("/")[-2]
    close_old_connections()
    order = Order.objects.get(token=token)
    assert order.preview is not None and order.status == OrderStatus.PENDING_PAYMENT

    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/orders/{token}/$"))
    # The status page polls: the book is still being drawn when it opens,
    # and the page shows it delivered without being reloaded.
    assert page.locator("#download").is_hidden()
    shop.check("status-drawing")
    statuses = []
    page.on("response", lambda r: statuses.append(r.url) if r.url.endswith("/status.json") else None)
    page.locator("#download").wait_for(state="visible", timeout=60_000)
    assert statuses, "the status page never asked for status.json"
    progress = page.locator("#progress")
    assert progress.get_attribute("aria-valuenow") == progress.get_attribute("aria-valuemax")
    assert page.locator("#thumbs img").count() > 0
    close_old_connections()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    shop.check("status-delivered-live")
    # Opened again, the page of a delivered book also offers to delete its data.
    page.reload()
    page.locator("#delete-data").wait_for(state="visible")
    shop.check("status-delivered")

    link = page.locator("#download a")
    pdf = page.request.get(shop.url(link.get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")

    shop.assert_clean()


def test_the_form_opened_and_refused(shop):
    """The storefront's optional look section, open; the form sent empty,
    refused with its errors shown."""
    page = shop.page
    shop.goto("/", "storefront")
    page.locator("details.look summary").click()
    assert page.locator("details.look").get_attribute("open") is not None
    page.locator("[name=child_kind]").first.wait_for(state="visible")
    shop.check("storefront-look")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form [type=submit]:not([formaction])").click()
    assert posted.value.status == 400
    page.wait_for_load_state("load")
    assert page.locator("[aria-invalid=true]").count() >= 1
    shop.check("storefront-errors")
    shop.assert_clean()


def test_the_pages_about_the_shop_and_a_404(shop):
    for name in TRUST_PAGES:
        shop.goto(f"/{name}/", name)
        assert shop.page.locator("h1").count() == 1
    shop.goto("/no-such-page/", "404", status=404)
    shop.assert_clean()
