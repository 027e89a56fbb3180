"""What a Gemini answer cost, from the tokens Google counted in it.

Google bills by tokens, each kind at its own price (GEMINI_PRICES, US
dollars per million tokens, per model): input text and images, output text
(thinking included), and output images, which are nearly all of an image
call's cost (a 2K image is 1,680 output tokens). Every answer carries its
counts in `usageMetadata`; the split between text and image is in its
`promptTokensDetails` and `candidatesTokensDetails` (by modality).

Costs are kept in millionths of a dollar ("micros"), whole numbers, so a
book's calls add up exactly. An answer without counts, or from a model the
table does not price, is charged GEMINI_CALL_ESTIMATE_CENTS and counted as
estimated, so staff know how much of a cost is a guess.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

PRICE_KINDS = ("input_text", "input_image", "output_text", "output_image")


@dataclass(frozen=True)
class Tokens:
    """An answer's billed tokens, by kind."""

    input_text: int = 0
    input_image: int = 0
    output_text: int = 0
    output_image: int = 0


def _modality(detail: Any) -> str:
    value = getattr(detail, "modality", None)
    return str(getattr(value, "value", value) or "").upper()


def _by_modality(details: Any) -> tuple[int, int]:
    """(image tokens, all tokens) of a list of ModalityTokenCount."""
    image = total = 0
    for detail in details or []:
        count = int(getattr(detail, "token_count", 0) or 0)
        total += count
        if _modality(detail) == "IMAGE":
            image += count
    return image, total


def tokens_of(usage: Any, *, image_answer: bool = False) -> Tokens | None:
    """The billed tokens of an answer's usage metadata, or None when it
    counts nothing. Input images are what the details say; the rest of the
    prompt is billed as text. Output images are what the details say; the
    rest of the candidates, and the thinking, as text. Without details, an
    answer that carries an image is taken as image tokens."""
    if usage is None:
        return None
    prompt = int(getattr(usage, "prompt_token_count", 0) or 0)
    candidates = int(getattr(usage, "candidates_token_count", 0) or 0)
    thoughts = int(getattr(usage, "thoughts_token_count", 0) or 0)
    if not (prompt or candidates or thoughts):
        return None
    input_image, _ = _by_modality(getattr(usage, "prompt_tokens_details", None))
    output_details = getattr(usage, "candidates_tokens_details", None)
    if output_details:
        output_image, _ = _by_modality(output_details)
    else:
        output_image = candidates if image_answer else 0
    input_image = min(input_image, prompt)
    output_image = min(output_image, candidates)
    return Tokens(
        input_text=prompt - input_image,
        input_image=input_image,
        output_text=candidates - output_image + thoughts,
        output_image=output_image,
    )


def prices_for(model: str) -> dict[str, float] | None:
    """The model's prices: its own row, or the row of the longest model name
    it starts with ("gemini-3.1-flash-image-001" is priced as
    "gemini-3.1-flash-image"), a "models/" prefix dropped."""
    table = settings.GEMINI_PRICES
    name = model.removeprefix("models/")
    if name in table:
        return table[name]
    known = [key for key in table if name.startswith(key)]
    return table[max(known, key=len)] if known else None


def micros_of(tokens: Tokens, prices: dict[str, float]) -> int:
    """Dollars per million tokens x tokens = micro-dollars."""
    return round(sum(getattr(tokens, kind) * float(prices.get(kind, 0.0)) for kind in PRICE_KINDS))


def estimate_micros() -> int:
    return round(settings.GEMINI_CALL_ESTIMATE_CENTS * 10_000)


def answer_cost(model: str, usage: Any, *, image_answer: bool = False) -> tuple[int, bool]:
    """(micro-dollars, estimated) for one answer of `model`."""
    tokens = tokens_of(usage, image_answer=image_answer)
    prices = prices_for(model)
    if tokens is None or prices is None:
        logger.info(
            "gemini %s: %s, cost estimated at %s cents",
            model,
            "no usageMetadata in the answer" if tokens is None else "no price for this model in GEMINI_PRICES",
            settings.GEMINI_CALL_ESTIMATE_CENTS,
        )
        return estimate_micros(), True
    return micros_of(tokens, prices), False


def dollars(micros: int | None) -> str:
    """ "$0.1234" for staff: cents are too coarse for one call."""
    if micros is None:
        return "–"
    return f"${micros / 1_000_000:.4f}" if micros < 1_000_000 else f"${micros / 1_000_000:.2f}"


def cost_label(micros: int | None, estimated: int = 0) -> str:
    """A cost for staff, saying how many of its answers were estimated."""
    if micros is None:
        return "–"
    note = f" ({estimated} answer{'s' if estimated != 1 else ''} estimated)" if estimated else ""
    return dollars(micros) + note
