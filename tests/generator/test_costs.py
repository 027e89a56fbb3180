"""What a book cost, from the bill: each Gemini answer's usageMetadata
(tokens by kind and modality) at the model's list prices, through the real
SDK against the fake Gemini server, recorded on the job, shown to staff,
and counted by the previews' daily spend cap."""

import pytest
from google.genai import types

from generator import lanes, tasks
from generator.models import Job, JobStatus
from generator.providers import Brief, Usage, provider_get
from orders.models import Order, OrderStatus, Preview
from tests.fakes.gemini import COVER, IMAGE_OUTPUT_TOKENS, LINE_ART, PLAN

pytestmark = pytest.mark.django_db

# Google's list prices for the default models (USD per million tokens), as the
# README gives them; the test's own copy, so a change of the setting shows.
PRICES = {
    "gemini-3.1-flash-image": {"input_text": 0.50, "input_image": 0.50, "output_text": 3.00, "output_image": 60.00},
    "gemini-nano-banana-2.1": {"input_text": 1.50, "input_image": 1.50, "output_text": 7.50, "output_image": 30.00},
    "gemini-3.1-flash-lite": {"input_text": 0.25, "input_image": 0.25, "output_text": 1.50, "output_image": 0.0},
    "gemini-3.5-flash-lite": {"input_text": 0.25, "input_image": 0.25, "output_text": 1.50, "output_image": 0.0},
}


def billed_micros(usage: dict, prices: dict) -> float:
    """What Google's pricing page makes of one answer's usageMetadata (REST
    shape): image tokens by modality, the rest of the prompt as text input,
    the rest of the candidates and the thinking as text output."""
    image_in = sum(d["tokenCount"] for d in usage.get("promptTokensDetails", []) if d["modality"] == "IMAGE")
    image_out = sum(d["tokenCount"] for d in usage.get("candidatesTokensDetails", []) if d["modality"] == "IMAGE")
    text_in = usage["promptTokenCount"] - image_in
    text_out = usage["candidatesTokenCount"] - image_out + usage.get("thoughtsTokenCount", 0)
    return (
        text_in * prices["input_text"]
        + image_in * prices["input_image"]
        + text_out * prices["output_text"]
        + image_out * prices["output_image"]
    )


def _brief() -> Brief:
    return Brief(theme="dinosaurs", child_name="", age_group="kids", seed="seed", size=256)


def test_a_books_cost_is_its_answers_tokens_at_the_models_list_prices(paid_order, fake_gemini, settings):
    # The case: 2K images on 3.1 Flash Image.
    settings.GEMINI_IMAGE_SIZE = "2K"
    settings.GEMINI_IMAGE_MODEL = settings.GEMINI_COLOR_MODEL = ["gemini-3.1-flash-image"]
    order = paid_order(child_name="Mia")
    assert tasks.job_run_next().startswith("job")
    job = Job.objects.get(order=order)
    assert job.status == JobStatus.DONE

    answers = fake_gemini.calls(answer="ok")
    assert len(answers) == job.api_calls == 26 and all(seen.usage for seen in answers)
    expected = sum(billed_micros(seen.usage, PRICES[seen.model]) for seen in answers)
    assert job.cost_micros == pytest.approx(expected, abs=len(answers))  # rounded to a micro-dollar an answer
    assert job.cost_estimated == 0
    # 25 images of 1,680 output tokens at $60 per million: about $0.10 each,
    # what Google's page gives for a 2K image; the plan costs a fraction of a cent.
    assert all(seen.usage["candidatesTokensDetails"][0]["tokenCount"] == 1680 for seen in answers if seen.kind != PLAN)
    assert 25 * 0.1008 < job.cost_micros / 1e6 < 25 * 0.1008 + 0.1
    assert job.cost_micros != job.api_calls * 40_000  # not calls x a flat 4 cents


def test_the_image_size_asked_is_what_the_tokens_and_the_cost_follow(fake_gemini, settings):
    settings.GEMINI_IMAGE_SIZE = "4K"
    usage = Usage()
    provider_get("gemini", usage=usage).draw_cover(_brief())
    (cover,) = fake_gemini.calls(COVER)
    assert cover.usage["candidatesTokensDetails"] == [{"modality": "IMAGE", "tokenCount": IMAGE_OUTPUT_TOKENS["4K"]}]
    assert usage.cost_micros == round(billed_micros(cover.usage, PRICES[cover.model]))
    assert usage.estimated == 0


def test_failed_calls_are_not_billed_and_answers_with_an_image_sent_pay_its_input_tokens(fake_gemini):
    usage = Usage()
    provider = provider_get("gemini", usage=usage)
    fake_gemini.fail_next("429", "503")
    line_art = provider.draw_line_art(_brief(), "a dinosaur", 0)
    provider.color_page(_brief(), "a dinosaur", 0, line_art)
    answered = fake_gemini.calls(answer="ok")
    assert (usage.calls, len(answered)) == (4, 2)  # two failures retried, not billed
    coloring = answered[1]
    assert any(d["modality"] == "IMAGE" for d in coloring.usage["promptTokensDetails"])
    price = PRICES[coloring.model]
    assert usage.cost_micros == round(billed_micros(answered[0].usage, price)) + round(
        billed_micros(coloring.usage, price)
    )


def test_an_answer_without_usage_metadata_is_charged_the_estimate_and_says_so(paid_order, fake_gemini, settings):
    from generator import costs

    fake_gemini.usage_metadata = False
    settings.GEMINI_CALL_ESTIMATE_CENTS = 7.5
    order = paid_order()
    tasks.job_run_next()
    job = Job.objects.get(order=order)
    assert job.status == JobStatus.DONE
    assert job.cost_estimated == job.api_calls == 26
    assert job.cost_micros == 26 * 75_000
    assert costs.cost_label(job.cost_micros, job.cost_estimated) == "$1.95 (26 answers estimated)"


def test_prices_are_a_setting_and_a_versioned_model_takes_its_familys_row(settings):
    from generator import costs

    settings.GEMINI_PRICES = {"gemini-x-image": {"output_image": 10.0}, "gemini-x-image-pro": {"output_image": 99.0}}
    assert costs.prices_for("models/gemini-x-image-002") == {"output_image": 10.0}
    assert costs.prices_for("gemini-x-image-pro-001") == {"output_image": 99.0}
    assert costs.prices_for("gemini-unknown") is None
    # The SDK's own parse of a REST usageMetadata with an image answered.
    usage = types.GenerateContentResponseUsageMetadata.model_validate(
        {
            "promptTokenCount": 20,
            "candidatesTokenCount": 1120,
            "thoughtsTokenCount": 40,
            "totalTokenCount": 1180,
            "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1120}],
        }
    )
    assert costs.answer_cost("gemini-x-image-001", usage) == (11_200, False)
    assert costs.answer_cost("gemini-unknown", usage) == (round(settings.GEMINI_CALL_ESTIMATE_CENTS * 10_000), True)
    assert costs.answer_cost("gemini-x-image", None)[1] is True


def test_staff_see_the_cost_per_book_on_the_job_the_order_and_the_dashboard(admin_client, paid_order, fake_gemini):
    from generator import costs

    order = paid_order()
    tasks.job_run_next()
    job = Job.objects.get(order=order)
    label = costs.dollars(job.cost_micros)
    assert job.cost_micros > 25 * 1680 * 30  # 25 images of 2K at $30 per million tokens, at least
    assert label in admin_client.get("/admin/generator/job/").content.decode()
    assert label in admin_client.get(f"/admin/generator/job/{job.pk}/change/").content.decode()
    assert label in admin_client.get("/admin/orders/order/").content.decode()
    dashboard = admin_client.get("/admin/generator/job/dashboard/").content.decode()
    assert "Gemini cost per book" in dashboard and f'id="book-cost">{label}<' in dashboard


def test_a_preview_keeps_what_it_cost_once_ordered_and_the_book_adds_the_rest(
    client, fake_gemini, django_capture_on_commit_callbacks
):
    from tests.orders.test_previews import ORDER_FORM, ask_preview

    preview = ask_preview(client)
    lanes.preview_run_next()
    preview_cost = Job.objects.get().cost_micros
    image = 1680 * PRICES[fake_gemini.calls(COVER)[0].model]["output_image"]  # a 2K image's output tokens
    assert preview_cost > 3 * image  # three images and a plan
    client.post("/order/", {**ORDER_FORM, "preview": preview.token})
    order = Order.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.token}/demo-checkout/")
    order.refresh_from_db()
    assert tasks.job_run_next() == f"job {order.job_id}"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    preview.refresh_from_db()
    assert preview.cost_micros == preview_cost
    line_arts = fake_gemini.calls(LINE_ART)
    assert Job.objects.get().cost_micros > preview_cost + 22 * image and len(line_arts) == 12
    assert Preview.objects.count() == 1
