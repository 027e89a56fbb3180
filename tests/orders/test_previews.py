"""A free preview before paying: the cover and one scene, made on a lane of
their own, shown watermarked through the preview's token only, within
limits, and bought as it is: an order from a preview makes only the images
that are missing."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from generator import lanes, tasks
from generator.models import Job, JobKind, JobStatus, Page
from orders import previews
from orders.models import Order, OrderStatus, Preview
from tests.conftest import ORDER_FORM
from tests.fakes.gemini import COLORING, COVER, LINE_ART, PLAN

pytestmark = pytest.mark.django_db


def ask_preview(client, **fields):
    response = client.post("/preview/", {**ORDER_FORM, **fields})
    assert response.status_code == 303, response.content.decode()[:500]
    token = response["Location"].split("/")[2]
    return Preview.objects.get(token=token)


def test_a_preview_is_the_cover_and_one_scene_watermarked_at_screen_size(client, settings):
    settings.BOOK_IMAGE_SIZE = 1200
    preview = ask_preview(client, dedication="Love, Grandma")
    state = client.get(f"/previews/{preview.token}/status.json").json()
    assert (state["status"], state["images"]) == ("queued", [])

    assert lanes.preview_run_next() == f"preview {preview.job_id}"
    # Books never pick it up: previews have a lane of their own.
    assert tasks.job_run_next() == "no job waiting"

    state = client.get(f"/previews/{preview.token}/status.json").json()
    assert state["status"] == "ready"
    assert [url.rsplit("/", 1)[1] for url in state["images"]] == ["cover-0.jpg", "colored-0.jpg", "line_art-0.jpg"]
    assert state["caption"] and state["redraws_left"] == 2
    job = Job.objects.get()
    assert (job.kind, job.status, job.pdf.name) == (JobKind.PREVIEW, JobStatus.DONE, "")
    assert Page.objects.exclude(line_art="").count() == 1  # one scene, of a twelve-scene plan
    assert Page.objects.count() == 12

    response = client.get(state["images"][1])
    assert response["Content-Type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(response.content))
    assert max(shown.size) == settings.PREVIEW_IMAGE_PIXELS < 1200
    with job.pages.get(index=0).colored.open("rb") as stored:
        original = Image.open(stored).convert("RGB").resize(shown.size)
    # The word PREVIEW is across it: the shown picture differs from the book's.
    difference = sum(abs(a - b) for a, b in zip(original.tobytes(), shown.convert("RGB").tobytes(), strict=True))
    assert difference / len(original.tobytes()) > 3

    page = client.get(f"/previews/{preview.token}/").content.decode()
    assert "See a free preview" not in page and "Order this book" in page and "Draw another scene (2 left)" in page


def test_a_preview_through_gemini_costs_three_image_calls_and_an_order_from_it_only_the_rest(
    client, fake_gemini, django_capture_on_commit_callbacks
):
    preview = ask_preview(client)
    lanes.preview_run_next()
    kinds = [seen.kind for seen in fake_gemini.calls()]
    assert sorted(kinds) == sorted([PLAN, COVER, LINE_ART, COLORING])
    assert client.get(f"/previews/{preview.token}/status.json").json()["status"] == "ready"

    response = client.post("/order/", {**ORDER_FORM, "theme": "something else", "preview": preview.token})
    assert response.status_code == 303
    order = Order.objects.get()
    assert (order.preview, order.theme) == (preview, preview.theme)  # the book the parent saw
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.token}/demo-checkout/")
    order.refresh_from_db()
    assert order.job_id == preview.job_id and order.job.kind == JobKind.BOOK

    before = len(fake_gemini.calls())
    assert tasks.job_run_next() == f"job {order.job_id}"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    made = [seen.kind for seen in fake_gemini.calls()[before:]]
    # No new plan, no new cover, nothing of the previewed scene drawn again.
    assert (made.count(PLAN), made.count(COVER), made.count(LINE_ART), made.count(COLORING)) == (0, 0, 11, 11)
    preview.refresh_from_db()
    assert preview.api_calls == 4  # what the preview cost, kept apart from the book's


def test_two_redraws_then_no_more(client):
    preview = ask_preview(client)
    lanes.preview_run_next()
    captions = [client.get(f"/previews/{preview.token}/status.json").json()["caption"]]
    for left in (1, 0):
        assert client.post(f"/previews/{preview.token}/redraw/").status_code == 303
        lanes.preview_run_next()
        state = client.get(f"/previews/{preview.token}/status.json").json()
        assert state["status"] == "ready" and state["redraws_left"] == left
        captions.append(state["caption"])
        assert state["images"][1].endswith(f"colored-{2 - left}.jpg")
    assert len(set(captions)) == 3
    response = client.post(f"/previews/{preview.token}/redraw/")
    assert response.status_code == 409 and "every scene we can draw for free" in response.content.decode()
    assert Job.objects.get().preview_scene == 2
    assert Page.objects.exclude(colored="").count() == 3  # every scene drawn is kept for the book


def test_previews_are_limited_per_address_and_per_email(client, settings):
    settings.PREVIEWS_PER_ADDRESS_PER_DAY, settings.PREVIEWS_PER_EMAIL_PER_DAY = 3, 2
    ask_preview(client, email="a@example.com")
    ask_preview(client, email="a@example.com")
    response = client.post("/preview/", {**ORDER_FORM, "email": "A@example.com"})
    assert response.status_code == 429 and "This email has had many previews today" in response.content.decode()
    ask_preview(client, email="b@example.com")
    response = client.post("/preview/", {**ORDER_FORM, "email": "c@example.com"})
    assert response.status_code == 429 and "made many previews today" in response.content.decode()
    other = client.post("/preview/", {**ORDER_FORM, "email": "c@example.com"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 303
    assert Preview.objects.count() == 4


def test_past_the_days_spend_cap_the_form_goes_straight_to_ordering(client, fake_gemini, settings):
    # One preview: three 2K images of 1,680 output tokens at $60 per million
    # (about 10 cents each, as Google bills them) and a plan: about 30 cents,
    # where calls x 4 cents counted 16 and let the next preview through. A
    # preview is let through while the spend and its three calls at the
    # estimate (12 cents here) fit under the cap.
    settings.PREVIEW_DAILY_SPEND_CENTS, settings.GEMINI_CALL_ESTIMATE_CENTS = 40, 4
    settings.GEMINI_IMAGE_MODEL = settings.GEMINI_COLOR_MODEL = ["gemini-3.1-flash-image"]
    ask_preview(client)
    lanes.preview_run_next()
    spent = previews.previews_spend_today_cents()
    assert spent == Job.objects.get().cost_micros / 10_000 and 30 < spent < 31
    page = client.get("/").content.decode()
    assert "See a free preview" not in page and "Free previews are resting for today" in page
    response = client.post("/preview/", {**ORDER_FORM, "email": "other@example.com"})
    assert response.status_code == 429 and Preview.objects.count() == 1
    assert client.post("/order/", ORDER_FORM).status_code == 303  # ordering still works


def test_an_expired_preview_cannot_be_ordered_and_is_deleted_with_its_images(client, settings):
    preview = ask_preview(client)
    lanes.preview_run_next()
    names = [p.colored.name for p in Page.objects.exclude(colored="")] + [Job.objects.get().cover.name]
    Preview.objects.filter(pk=preview.pk).update(created_at=timezone.now() - timedelta(days=4))

    response = client.post("/order/", {**ORDER_FORM, "preview": preview.token})
    assert response.status_code == 410 and "This preview has expired" in response.content.decode()
    assert not Order.objects.exists()
    assert client.get(f"/previews/{preview.token}/").status_code == 404

    assert previews.previews_sweep() == 1
    assert not Preview.objects.exists() and not Job.objects.exists()
    from django.core.files.storage import default_storage

    assert not any(default_storage.exists(name) for name in names)


def test_a_preview_being_paid_for_outlives_its_age_until_the_checkout_ends(
    client, settings, django_capture_on_commit_callbacks
):
    from orders.services import order_close

    bought, abandoned = ask_preview(client), ask_preview(client, theme="robots at the beach")
    lanes.preview_run_next()
    lanes.preview_run_next()
    for preview in (bought, abandoned):
        assert client.post("/order/", {**ORDER_FORM, "preview": preview.token}).status_code == 303
    # Both parents are on Stripe's page when their previews reach their age.
    aged = timezone.now() - timedelta(days=settings.PREVIEW_MAX_AGE_DAYS, minutes=1)
    Preview.objects.update(created_at=aged)
    assert previews.previews_sweep() == 0

    # One checkout expires: its preview goes with the next sweep.
    order_close(token=Order.objects.get(preview=abandoned).token, to=OrderStatus.EXPIRED, reason="Checkout expired.")
    assert previews.previews_sweep() == 1
    assert not Preview.objects.filter(pk=abandoned.pk).exists()
    # The other is paid: its book is the one previewed.
    order = Order.objects.get(preview=bought)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.token}/demo-checkout/")
    order.refresh_from_db()
    assert order.job_id == bought.job_id and order.job.kind == JobKind.BOOK
    assert previews.previews_sweep() == 0

    # A checkout left unfinished past Stripe's longest session has ended too.
    late = ask_preview(client, theme="owls in a library")
    client.post("/order/", {**ORDER_FORM, "preview": late.token})
    Preview.objects.filter(pk=late.pk).update(created_at=aged)
    Order.objects.filter(preview=late).update(created_at=timezone.now() - timedelta(hours=25))
    assert previews.previews_sweep() == 1


def test_a_previews_images_are_reachable_only_through_its_token(client):
    mine, other = ask_preview(client, email="m@example.com"), ask_preview(client, email="o@example.com")
    lanes.preview_run_next()
    lanes.preview_run_next()
    assert client.get(f"/previews/{mine.token}/images/colored-0.jpg").status_code == 200
    # One character changed (a token ending in "x" would otherwise stay itself: 1 run in 64).
    tampered = mine.token[:-1] + ("y" if mine.token.endswith("x") else "x")
    for url in (
        f"/previews/{tampered}/images/colored-0.jpg",
        f"/previews/{mine.token}/images/colored-1.jpg",  # not a scene it shows
        f"/previews/{mine.token}/images/pdf-0.jpg",
        f"/previews/{'a' * 65}/images/colored-0.jpg",
        "/media/" + Page.objects.filter(job=other.job).exclude(colored="").get().colored.name,
    ):
        assert client.get(url).status_code == 404, url


def test_hostile_text_in_a_preview_is_inert(client):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    preview = ask_preview(client, child_name="<b>Zoé</b>", dedication=hostile)
    lanes.preview_run_next()
    page = client.get(f"/previews/{preview.token}/").content.decode()
    assert "<script>alert(1)" not in page and "<b>Zoé</b>" not in page and "&lt;b&gt;Zoé&lt;/b&gt;" in page
    # The dedication rides along, escaped, in the order form's hidden fields.
    assert "<img src=x" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in page


def test_staff_see_previews_made_their_cost_and_how_many_became_orders(admin_client, client, fake_gemini):
    first, second = ask_preview(client, email="a@example.com"), ask_preview(client, email="b@example.com")
    lanes.preview_run_next()
    lanes.preview_run_next()
    Order.objects.create(
        email="a@example.com", amount_cents=999, currency="usd", preview=first, paid_at=timezone.now(),
        **first.brief_fields(),
    )  # fmt: skip
    # As fulfilling the order records it: what the preview had cost then.
    Preview.objects.filter(pk=first.pk).update(api_calls=4, cost_micros=250_000)
    page = admin_client.get("/admin/orders/preview/").content.decode()
    assert "<strong>2</strong> previews made, <strong>1</strong> became paid orders (50%)" in page
    spent = round(25 + Job.objects.get(pk=second.job_id).cost_micros / 10_000)
    assert f"Gemini billed {spent}¢ of the" in page
    assert "$0.2500" in page  # the first preview's own cost
    assert second.email in page


def test_change_the_theme_starts_from_the_previews_form(client):
    preview = ask_preview(client, email="fill@example.com", theme="pirates on a ship", child_name="Ada")
    page = client.get(f"/previews/{preview.token}/").content.decode()
    assert f'href="/?from={preview.token}"' in page
    form = client.get(f"/?from={preview.token}").content.decode()
    assert 'value="pirates on a ship"' in form and 'value="Ada"' in form and 'value="fill@example.com"' in form
    assert 'value="pirates on a ship"' not in client.get("/?from=unknown").content.decode()


def test_each_picture_goes_in_its_place_while_the_preview_is_drawn(client, monkeypatch):
    from generator.providers import offline

    preview = ask_preview(client)
    monkeypatch.setattr(offline.OfflineProvider, "color_page", lambda *args: (_ for _ in ()).throw(RuntimeError))
    lanes.preview_run_next()  # the coloring fails: cover and line art only
    state = client.get(f"/previews/{preview.token}/status.json").json()
    assert state["by_kind"]["colored"] == ""
    line_art, cover = state["by_kind"]["line_art"], state["by_kind"]["cover"]
    assert line_art.endswith("/line_art-0.jpg") and cover.endswith("/cover-0.jpg")
    page = client.get(f"/previews/{preview.token}/").content.decode()
    assert f'alt="The same scene as a page to color" width="300" height="300" src="{line_art}"' in page
    assert 'id="img-colored" alt="A colored example page" width="300" height="300" hidden' in page


def test_a_preview_ordered_while_it_is_drawn_finishes_its_images_then_becomes_the_book(
    client, django_capture_on_commit_callbacks
):
    from generator import pipeline, queue

    preview = ask_preview(client)
    claimed = queue.job_claim_next(worker="host:1", kind=JobKind.PREVIEW)
    assert claimed.pk == preview.job_id

    client.post("/order/", {**ORDER_FORM, "preview": preview.token})
    order = Order.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.token}/demo-checkout/")
    order.refresh_from_db()
    assert order.job_id == preview.job_id and order.status == OrderStatus.QUEUED

    pipeline.job_run(job=claimed, worker="host:1")  # the preview's run ends: in the books' line now
    job = Job.objects.get()
    assert (job.kind, job.status, job.error) == (JobKind.BOOK, JobStatus.QUEUED, "")
    assert tasks.job_run_next() == f"job {job.pk}"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_previews_waiting_to_be_drawn_count_toward_the_cap(client, fake_gemini, settings):
    settings.GEMINI_CALL_ESTIMATE_CENTS, settings.PREVIEW_DAILY_SPEND_CENTS = 5, 30
    ask_preview(client, email="a@example.com")
    ask_preview(client, email="b@example.com")  # neither drawn yet: 2 x 3 image calls expected
    assert previews.previews_spend_today_cents() == 30
    response = client.post("/preview/", {**ORDER_FORM, "email": "c@example.com"})
    assert response.status_code == 429 and Preview.objects.count() == 2


def test_a_redraw_counts_on_the_day_it_is_drawn_whenever_its_preview_was_made(client, fake_gemini, settings):
    settings.GEMINI_CALL_ESTIMATE_CENTS = 10
    preview = ask_preview(client)
    lanes.preview_run_next()
    two_days_ago = timezone.now() - timedelta(days=2)
    Preview.objects.filter(pk=preview.pk).update(created_at=two_days_ago, drawn_at=two_days_ago)
    assert previews.previews_spend_today_cents() == 0
    assert client.post(f"/previews/{preview.token}/redraw/").status_code == 303
    # Until it is drawn, the preview counts its bill and the redraw's two calls.
    billed = Job.objects.get().cost_micros
    assert previews.previews_spend_today_cents() == pytest.approx(billed / 10_000 + 2 * 10)
    lanes.preview_run_next()
    assert previews.previews_spend_today_cents() == Job.objects.get().cost_micros / 10_000 > billed / 10_000


def test_the_preview_pages_own_order_form_places_the_order(client):
    import html
    import re

    preview = ask_preview(client, child_kind="girl", hair_color="red", glasses="on", dedication="Love,\nGrandma")
    lanes.preview_run_next()
    page = client.get(f"/previews/{preview.token}/").content.decode()
    form = page[page.index('<form method="post" action="/order/"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'<input type="(?:hidden|email)" name="([^"]+)"[^>]*?value="([^"]*)"', form))
    assert fields["preview"] == preview.token and fields["email"] == preview.email
    response = client.post("/order/", {name: html.unescape(value) for name, value in fields.items()})
    assert response.status_code == 303, response.content.decode()[:300]
    order = Order.objects.get()
    assert (order.preview, order.hair_color, order.glasses, order.dedication) == (
        preview,
        "red",
        True,
        "Love,\nGrandma",
    )


def test_a_previews_picture_is_made_once_then_served_from_storage_with_an_etag(client, monkeypatch):
    """Decoding the full-size original for every request once took the web
    process from 76 to 204 MB: it is decoded once, the screen-size image
    stored and served from then on, and the browser asks again with its ETag."""
    preview = ask_preview(client)
    lanes.preview_run_next()
    opened = []
    real_open = Image.open
    monkeypatch.setattr("generator.thumbnails.Image.open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    url = f"/previews/{preview.token}/images/colored-0.jpg"

    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert len(opened) == 1  # the original was decoded for the first request only
    assert "private" in first["Cache-Control"] and again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert len(opened) == 1
