"""A fake Gemini API on 127.0.0.1, spoken to by the real google-genai SDK.

`POST /{version}/models/{model}:generateContent` answers:
- scene planning (no IMAGE in `responseModalities`): a JSON array of scenes,
  in French when the order asks for French;
- image generation (IMAGE asked, no image sent): a small line-art PNG with a
  transparent background, as image models sometimes send;
- image editing (an `inlineData` image sent): a colored JPEG of that image,
  unless the prompt asks to keep the same child and hero as the image (a
  line-art call with the book's reference drawing): then new line art.

Answers have the REST shape google-genai 3.x parses (camelCase): every one
carries `usageMetadata`, `modelVersion` and a `responseId`; an image answer
starts with the model's thoughts (a `"thought": true` text and, with
`thought_drafts`, a draft image) and ends with the image, which carries a
`thoughtSignature`.

Every request is recorded (`requests`), and the server can be told to fail:
the next calls (`fail_next`), a fraction of all calls (`fail_randomly`), or
the calls whose prompt matches some text (`block`, `reject`, `no_image`).
Failures are what Google sends: 429 and 503 with a Google error body, a
hang longer than the client's timeout, a dropped connection, a 200 whose
body is cut short (CUT), a safety block with no image (or, for a text call,
no text), and the answers without an image that are no safety block
(finishReason NO_IMAGE, IMAGE_OTHER, RECITATION, MALFORMED_RESPONSE; text
only; empty content). `latency` makes every call take that long (or between
`latency` and `latency_max`). Answers count their tokens in
`usageMetadata` as Google's do (`_usage_metadata`), unless told not to;
the server counts the requests in flight, and can hold its answers until
a number of them are (`hold`).

As Google does, it also answers:
- 404 NOT_FOUND for a model it no longer serves (`retire_model`), with the
  message Google sends for a shut-down model;
- 429 RESOURCE_EXHAUSTED with a per-day QuotaFailure once `daily_limit`
  calls were answered (until `reset_daily_quota`, Google's midnight), or
  for a DAILY_429 fault; a plain "429" fault is a per-minute quota;
- a 200 whose JSON body is cut short (a CUT_BODY fault);
- 400 INVALID_ARGUMENT on `/v1` for a request asking for an image: v1's
  GenerationConfig has no `responseModalities` or `imageConfig` (they are
  v1beta's), and Google rejects a field it does not know.
"""

import base64
import hashlib
import io
import json
import os
import random
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw, ImageOps

PLAN, LINE_ART, COLORING, COVER = "plan", "line_art", "coloring", "cover"
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
# Outcomes a fault may take: an HTTP status, a hang, a dropped connection,
# or a 200 whose JSON body stops halfway (a proxy or a connection cut short).
TIMEOUT, DISCONNECT, CUT = "timeout", "disconnect", "cut"
# How an answer may come without an image and without a safety block: a
# finishReason of google-genai's FinishReason, or the shape of the answer.
TEXT_ONLY, EMPTY_CONTENT, ROLE_ONLY = "text", "empty", "role"
NO_IMAGE_FINISH = {
    "NO_IMAGE": "Unable to generate an image for this request. Try rephrasing the prompt.",
    "IMAGE_OTHER": (
        "Unable to show the generated image. The model could not generate the image based on the prompt "
        "provided. You will not be charged for blocked content. Try rephrasing the prompt."
    ),
    "RECITATION": "",
    "IMAGE_RECITATION": "",
    "MALFORMED_RESPONSE": "",
    "OTHER": "",
    "MAX_TOKENS": "",
}
# A 429 for a per-day quota (a plain "429" is a per-minute one).
DAILY_429 = "429-day"
# An HTTP 200 whose JSON body is cut short, as a fault of `fail_next`.
CUT_BODY = CUT
# What Google's v1 GenerationConfig lacks (google.ai.generativelanguage.v1):
# v1beta's fields for image output.
V1BETA_ONLY_FIELDS = ("responseModalities", "imageConfig")
ACTIVITIES = [
    "wake up in the morning",
    "go exploring in the forest",
    "have a picnic on a hill",
    "build a little house",
    "splash in puddles on a rainy day",
    "find a hidden garden",
    "march in a parade",
    "sail a boat on a lake",
    "fly a kite",
    "look at the stars",
    "throw a birthday party",
    "fall asleep after a busy day",
]
# More, for a planner asked to replace a scene with one the book lacks.
SPARE_ACTIVITIES = ["bake a cake", "plant a tree", "ride a merry-go-round", "paint a rainbow"]
# The same activities, as a model writes them when asked for French.
ACTIVITIES_FR = [
    "se réveillent le matin",
    "partent explorer la forêt",
    "pique-niquent sur une colline",
    "construisent une petite maison",
    "sautent dans les flaques un jour de pluie",
    "découvrent un jardin secret",
    "défilent dans une parade",
    "font du bateau sur un lac",
    "font voler un cerf-volant",
    "regardent les étoiles",
    "font une fête d’anniversaire",
    "s’endorment après une longue journée",
]
_BLOCKED_RATINGS = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]
REFERENCE = "Keep the same child and hero design"
PATH = re.compile(r"^/(?P<version>[^/]+)/models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$")


def _image_kind(texts: list[str], images: list[bytes]) -> str:
    """A coloring sends the line art (a line-art call may send a reference
    drawing too, and says so); a cover asks for a cover picture (or its
    softer rephrasing, a picture-book illustration); else line art."""
    prompt = "\n".join(texts)
    if images:
        # A line-art call may carry the book's first line art as a reference.
        return LINE_ART if REFERENCE in prompt else COLORING
    return COVER if "cover picture" in prompt or "picture-book illustration" in prompt else LINE_ART


@dataclass
class Seen:
    """One request the fake received, and what it answered."""

    model: str
    kind: str  # PLAN, LINE_ART, COLORING or COVER
    prompt: str
    has_image: bool
    version: str = ""  # the API version in the URL ("v1beta")
    system: str = ""  # the system instruction's text
    image_sha256: str = ""  # of the first image sent
    # "ok", "blocked", a status code like "429", TIMEOUT, DISCONNECT, CUT, or
    # how an answer came without an image ("NO_IMAGE", TEXT_ONLY...).
    answer: str = "ok"
    generation_config: dict = field(default_factory=dict)
    api_key: str = ""
    at: float = field(default_factory=time.monotonic)  # when it arrived
    usage: dict = field(default_factory=dict)  # the usageMetadata answered, if any
    latency: float = 0.0  # how long it waited before answering
    alongside: list[str] = field(default_factory=list)  # the kinds of the requests in flight when it arrived


@dataclass
class Rule:
    match: str
    kind: str | None
    answer: str  # "block:prompt", "block:image", "no_image:NO_IMAGE", CUT or a status code
    times: int | None = None  # answered this way this many times, then no more (None: always)


class FakeGemini:
    api_key = "fake-gemini-key"

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        # Raw texts answered to the next planning calls, before normal ones.
        self.plan_answers: list[str] = []
        self.rules: list[Rule] = []
        self.faults: list[str] = []
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ("429", "503", TIMEOUT)
        self.retry_delay: str | None = None  # the RetryInfo a 429 carries, e.g. "30s"
        self.hang_seconds = 5.0
        # Seconds each answer waits, and the long side of the images drawn:
        # benches set them near Google's (tens of seconds; "2K" is 2400 pixels).
        self.latency = 0.0
        # With a larger `latency_max`, each answer waits a random time
        # between `latency` and it (Google's 20 to 45 s, scaled down).
        self.latency_max = 0.0
        self.image_long_side = 320
        # With a size, images are sent as PNG padded to at least that many
        # bytes (an ancillary chunk decoders skip), so what crosses the wire
        # weighs what a detailed 2K image from Google does; 0 keeps them small.
        self.image_bytes = 0
        # Answers count their tokens in usageMetadata, as Google's do; off,
        # they say nothing of them (as some proxies and odd answers do).
        self.usage_metadata = True
        # Requests being answered now, the most there ever were at once, and
        # a hold: each answer waits until `hold_count` requests are in
        # flight together, or `hold_seconds` passed (`hold`).
        self.in_flight = 0
        self.most_in_flight = 0
        self.hold_count = 0
        self.hold_seconds = 0.0
        # Image answers carry a draft image among the model's thoughts, as
        # Gemini 3 image models send when they think.
        self.thought_drafts = True
        # Models that answer 404 NOT_FOUND, as a shut-down model does.
        self.retired: set[str] = set()
        # Calls answered before the per-day quota runs out (None: no limit).
        self.daily_limit: int | None = None
        self.daily_used = 0
        self._random = random.Random(20260101)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._flying: list[Seen] = []
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # Control ---------------------------------------------------------------

    def fail_next(self, *outcomes: str) -> None:
        """The next calls fail, one outcome each ("429", "503", TIMEOUT...)."""
        with self._lock:
            self.faults.extend(outcomes)

    def fail_randomly(self, rate: float, kinds: tuple[str, ...] = ("429", "503", TIMEOUT)) -> None:
        with self._lock:
            self.fault_rate, self.fault_kinds = rate, kinds

    def block(self, match: str, *, kind: str | None = None, how: str = "image") -> None:
        """Safety-block calls whose prompt contains `match`: `how` is "prompt"
        (promptFeedback.blockReason, no candidate), "image" (a candidate
        with finishReason IMAGE_SAFETY and no image), "prohibited" (the same
        with IMAGE_PROHIBITED_CONTENT) or "text" (a candidate with
        finishReason SAFETY and no content, as a text model answers)."""
        with self._lock:
            self.rules.append(Rule(match.lower(), kind, f"block:{how}"))

    def reject(self, match: str, *, kind: str | None = None, status: int = 400) -> None:
        """Answer `status` to calls whose prompt contains `match`."""
        with self._lock:
            self.rules.append(Rule(match.lower(), kind, str(status)))

    def hold(self, count: int, seconds: float) -> None:
        """Answer nothing until `count` requests are in flight at once (then
        all of them), or `seconds` passed: whether a client sends that many
        together shows in the timings, whatever the machine's speed."""
        with self._lock:
            self.hold_count, self.hold_seconds = count, seconds

    def _arrive(self, seen: Seen) -> None:
        with self._arrived:
            seen.alongside = [other.kind for other in self._flying]
            self._flying.append(seen)
            self.in_flight = len(self._flying)
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self._arrived.notify_all()
            if self.hold_count:
                self._arrived.wait_for(lambda: len(self._flying) >= self.hold_count, timeout=self.hold_seconds)
                self._arrived.notify_all()

    def _leave(self, seen: Seen) -> None:
        with self._lock:
            self._flying.remove(seen)
            self.in_flight = len(self._flying)

    def no_image(self, match: str, *, kind: str | None = None, how: str = "NO_IMAGE", times: int | None = 2) -> None:
        """Answer calls whose prompt contains `match` without an image, `times`
        times (None: always), then normally. `how` is a finishReason of
        NO_IMAGE_FINISH (no parts), TEXT_ONLY (a STOP with text alone),
        EMPTY_CONTENT (`content: {}`), ROLE_ONLY (`{"role": "model"}`), or CUT
        (a 200 whose body stops halfway)."""
        assert how in NO_IMAGE_FINISH or how in (TEXT_ONLY, EMPTY_CONTENT, ROLE_ONLY, CUT), how
        with self._lock:
            self.rules.append(Rule(match.lower(), kind, how if how == CUT else f"no_image:{how}", times))

    def retire_model(self, *names: str) -> None:
        """These models answer 404 NOT_FOUND from now on (Google shut them down)."""
        with self._lock:
            self.retired.update(names)

    def reset_daily_quota(self) -> None:
        """Midnight Pacific: the per-day quota is whole again."""
        with self._lock:
            self.daily_used = 0

    def heal(self) -> None:
        """Stop every kind of failure."""
        with self._lock:
            self.rules.clear()
            self.faults.clear()
            self.plan_answers.clear()
            self.fault_rate = 0.0

    def forget(self) -> None:
        """Clear the record of requests (to count a second run alone)."""
        with self._lock:
            self.requests.clear()

    def calls(self, kind: str | None = None, *, answer: str | None = None) -> list[Seen]:
        with self._lock:
            return [
                seen
                for seen in self.requests
                if (kind is None or seen.kind == kind) and (answer is None or seen.answer == answer)
            ]

    def faults_served(self) -> list[Seen]:
        """Errors, hangs, drops and cut answers (not blocks, not answers without an image)."""
        faults = (TIMEOUT, DISCONNECT, CUT)
        return [seen for seen in self.calls() if seen.answer.isdigit() or seen.answer in faults]

    # Lifecycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> "FakeGemini":
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        server = self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()  # let hanging requests go
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # Answers -----------------------------------------------------------------

    def _decide(self, seen: Seen) -> str:
        with self._lock:
            self.requests.append(seen)
            if seen.api_key != self.api_key:
                outcome = "403"
            elif seen.model in self.retired:
                outcome = "404"
            elif seen.version == "v1" and any(name in seen.generation_config for name in V1BETA_ONLY_FIELDS):
                outcome = "400-v1"
            elif self.daily_limit is not None and self.daily_used >= self.daily_limit:
                outcome = DAILY_429
            elif self.faults:
                outcome = self.faults.pop(0)
            elif self.fault_rate and self._random.random() < self.fault_rate:
                outcome = self._random.choice(self.fault_kinds)
            else:
                prompt = seen.prompt.lower()
                rule = next(
                    (
                        r
                        for r in self.rules
                        if r.match in prompt and (r.kind is None or r.kind == seen.kind) and r.times != 0
                    ),
                    None,
                )
                outcome = rule.answer if rule else "ok"
                if rule and rule.times is not None:
                    rule.times -= 1
            if outcome == "ok" and self.daily_limit is not None:
                self.daily_used += 1
            seen.answer = "blocked" if outcome.startswith("block:") else outcome.removeprefix("no_image:")
            return outcome

    def _latency(self) -> float:
        if self.latency_max <= self.latency:
            return self.latency
        with self._lock:
            return self._random.uniform(self.latency, self.latency_max)

    def _next_plan_answer(self) -> str | None:
        with self._lock:
            return self.plan_answers.pop(0) if self.plan_answers else None


def _b64decode(text: str) -> bytes:
    """Bytes as Google's JSON carries them: base64, standard or URL-safe (the
    SDK sends URL-safe), padding optional."""
    text = text.translate(str.maketrans("-_", "+/"))
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _page_size(generation_config: dict, long_side: int = 320) -> tuple[int, int]:
    ratio = (generation_config.get("imageConfig") or {}).get("aspectRatio") or "1:1"
    width, height = (int(n) for n in ratio.split(":"))
    scale = long_side / max(width, height)
    return round(width * scale), round(height * scale)


def draw_line_art(prompt: str, size: tuple[int, int]) -> bytes:
    """Black outlines on a transparent background, different per prompt."""
    rng = random.Random(hashlib.sha256(prompt.encode()).digest())
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    unit = max(w, h) / 320  # shapes keep their share of the page at any size
    margin, far = round(10 * unit), round(90 * unit)
    for _ in range(4):
        x, y = rng.randint(margin, w - far), rng.randint(margin, h - far)
        box = (
            x,
            y,
            x + rng.randint(round(40 * unit), round(80 * unit)),
            y + rng.randint(round(40 * unit), round(80 * unit)),
        )
        if rng.random() < 0.5:
            draw.ellipse(box, outline=(0, 0, 0, 255), width=round(4 * unit))
        else:
            draw.rectangle(box, outline=(0, 0, 0, 255), width=round(4 * unit))
    return _png(image)


def padded_png(data: bytes, size: int) -> bytes:
    """`data` (a PNG) grown to `size` bytes by a public ancillary chunk right
    after IHDR, which decoders read past and drop."""
    missing = size - len(data) - 12
    if missing <= 0:
        return data
    chunk_type = b"sPAD"
    body = random.Random(len(data)).randbytes(missing)
    chunk = struct.pack(">I", missing) + chunk_type + body + struct.pack(">I", zlib.crc32(chunk_type + body))
    header_end = 8 + 8 + 13 + 4  # signature, then IHDR's length, type, data and CRC
    return data[:header_end] + chunk + data[header_end:]


def color_image(data: bytes, prompt: str) -> bytes:
    """The same drawing, colored: black stays black, paper takes a color."""
    rng = random.Random(hashlib.sha256(prompt.encode()).digest())
    tint = tuple(rng.randint(120, 255) for _ in range(3))
    with Image.open(io.BytesIO(data)) as source:
        colored = ImageOps.colorize(source.convert("L"), black=(0, 0, 0), white=tint)
    out = io.BytesIO()
    colored.save(out, "JPEG", quality=90)
    return out.getvalue()


def _scenes(prompt: str, generation_config: dict) -> list[str]:
    """Scenes as a model writes them, the child's name included."""
    schema = generation_config.get("responseSchema") or {}
    # google-genai sends the schema's own field names (max_items); Google's
    # JSON parser takes them as well as the camelCase ones.
    count = int(schema.get("maxItems") or schema.get("max_items") or 12)
    try:
        order = json.loads(prompt)
    except ValueError:
        order = {}
    order = order if isinstance(order, dict) else {}
    theme = order.get("theme") or "friends"
    if "blocked_scene" in order:
        # Asked to replace a scene: one the book does not have yet.
        taken = " ".join([order["blocked_scene"], *order.get("other_scenes", [])])
        spare = next((a for a in ACTIVITIES + SPARE_ACTIVITIES if a not in taken), SPARE_ACTIVITIES[-1])
        who = f"{order['child_name']} and friends" if order.get("child_name") else "Friends"
        return [f"{who} {spare}: {theme}"][:count]
    if order.get("language") == "French":
        who = f"{order['child_name']} et ses amis" if order.get("child_name") else "Les amis"
        return [f"{who} {ACTIVITIES_FR[i % len(ACTIVITIES_FR)]} : {theme}" for i in range(count)]
    who = f"{order['child_name']} and friends" if order.get("child_name") else "Friends"
    return [f"{who} {ACTIVITIES[i % len(ACTIVITIES)]}: {theme}" for i in range(count)]


# Answers, as Google's JSON -----------------------------------------------------

# Tokens Google counts (usageMetadata): an image sent in costs a fixed count
# at the default media resolution, an image drawn costs more at larger
# sizes; text about four characters a token.
IMAGE_INPUT_TOKENS = 1120
IMAGE_OUTPUT_TOKENS = {"1K": 1120, "2K": 1680, "4K": 2520}
THOUGHT_TOKENS = 180


def _tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _usage_metadata(
    prompt: str, images_in: int, *, text_out: str = "", image_size: str = "", images_out: int = 0, thoughts: int = 0
) -> dict:
    """The `usageMetadata` of an answer: what was sent, what was drawn or written."""
    prompt_text = _tokens(prompt)
    prompt_details = [{"modality": "TEXT", "tokenCount": prompt_text}]
    if images_in:
        prompt_details.append({"modality": "IMAGE", "tokenCount": images_in * IMAGE_INPUT_TOKENS})
    usage: dict = {
        "promptTokenCount": prompt_text + images_in * IMAGE_INPUT_TOKENS,
        "promptTokensDetails": prompt_details,
    }
    out_details = []
    if text_out:
        out_details.append({"modality": "TEXT", "tokenCount": _tokens(text_out)})
    if images_out:
        per_image = IMAGE_OUTPUT_TOKENS.get(image_size, IMAGE_OUTPUT_TOKENS["1K"])
        out_details.append({"modality": "IMAGE", "tokenCount": images_out * per_image})
    if out_details:
        usage["candidatesTokenCount"] = sum(detail["tokenCount"] for detail in out_details)
        usage["candidatesTokensDetails"] = out_details
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    usage["totalTokenCount"] = usage["promptTokenCount"] + usage.get("candidatesTokenCount", 0) + thoughts
    return usage


@dataclass
class Request:
    """What one generateContent call sent."""

    seen: Seen
    images: list[bytes]


def _response(request: Request, candidate: dict | None, usage: dict, **extra) -> dict:
    answer = {"candidates": [{"index": 0, **candidate}]} if candidate is not None else {}
    return {
        **answer,
        **extra,
        "usageMetadata": usage,
        "modelVersion": request.seen.model,
        "responseId": base64.urlsafe_b64encode(os.urandom(15)).decode(),
    }


def _signature() -> str:
    return base64.b64encode(os.urandom(24)).decode()


def _inline(data: bytes, mime: str) -> dict:
    return {"mimeType": f"image/{mime}", "data": base64.b64encode(data).decode()}


def _drawing(fake: FakeGemini, request: Request) -> tuple[bytes, str]:
    seen, config = request.seen, request.seen.generation_config
    size = _page_size(config, fake.image_long_side)
    if seen.kind == LINE_ART:
        data, mime = draw_line_art(seen.prompt, size), "png"
    elif seen.kind == COVER:
        # A colored picture: the drawing of the prompt, colored.
        data, mime = color_image(draw_line_art(seen.prompt, size), seen.prompt), "jpeg"
    else:
        data, mime = color_image(request.images[0], seen.prompt), "jpeg"
    if fake.image_bytes:
        if mime == "jpeg":
            with Image.open(io.BytesIO(data)) as image:
                data, mime = _png(image), "png"
        data = padded_png(data, fake.image_bytes)
    return data, mime


def image_answer(fake: FakeGemini, request: Request) -> dict:
    """The model's thoughts (a summary, and a draft image with
    `thought_drafts`), then the image itself, signed."""
    seen = request.seen
    data, mime = _drawing(fake, request)
    parts: list[dict] = [{"text": "**Composing the page**\n\nPlacing the outlines first.", "thought": True}]
    if fake.thought_drafts:
        draft = draw_line_art(seen.prompt + " (draft)", _page_size(seen.generation_config, 96))
        parts.append({"inlineData": _inline(draft, "png"), "thought": True})
    parts.append({"inlineData": _inline(data, mime), "thoughtSignature": _signature()})
    image_size = (seen.generation_config.get("imageConfig") or {}).get("imageSize", "")
    usage = _usage_metadata(
        seen.prompt, len(request.images), image_size=image_size, images_out=1, thoughts=THOUGHT_TOKENS
    )
    return _response(request, {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}, usage)


def plan_answer(fake: FakeGemini, request: Request) -> dict:
    seen = request.seen
    text = fake._next_plan_answer()
    if text is None:
        text = json.dumps(_scenes(seen.prompt, seen.generation_config))
    parts = [{"text": text, "thoughtSignature": _signature()}]
    usage = _usage_metadata(seen.system + seen.prompt, 0, text_out=text)
    return _response(request, {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}, usage)


def blocked_answer(request: Request, how: str) -> dict:
    usage = _usage_metadata(request.seen.prompt, len(request.images))
    if how == "prompt":
        return _response(request, None, usage, promptFeedback={"blockReason": "SAFETY"})
    if how == "image":
        message = "Unable to show the generated image: it may violate the usage guidelines."
        candidate = {"content": {"role": "model"}, "finishReason": "IMAGE_SAFETY", "finishMessage": message}
        return _response(request, candidate, usage)
    if how == "prohibited":
        message = "The model output could not be generated: it may contain prohibited content. Try another prompt."
        candidate = {"content": {"role": "model"}, "finishReason": "IMAGE_PROHIBITED_CONTENT", "finishMessage": message}
        return _response(request, candidate, usage)
    return _response(request, {"finishReason": "SAFETY", "safetyRatings": _BLOCKED_RATINGS}, usage)


def no_image_answer(request: Request, how: str) -> dict:
    """An answer without an image that no safety filter withheld."""
    usage = _usage_metadata(request.seen.prompt, len(request.images), thoughts=THOUGHT_TOKENS)
    if how == TEXT_ONLY:
        text = "Here is your picture!"
        usage = _usage_metadata(request.seen.prompt, len(request.images), text_out=text)
        parts = [{"text": text, "thoughtSignature": _signature()}]
        return _response(request, {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}, usage)
    if how == EMPTY_CONTENT:
        return _response(request, {"content": {}, "finishReason": "STOP"}, usage)
    if how == ROLE_ONLY:
        return _response(request, {"content": {"role": "model"}, "finishReason": "STOP"}, usage)
    candidate: dict = {"content": {"role": "model"}, "finishReason": how}
    if NO_IMAGE_FINISH[how]:
        candidate["finishMessage"] = NO_IMAGE_FINISH[how]
    return _response(request, candidate, usage)


def answer_for(fake: FakeGemini, request: Request, outcome: str) -> dict:
    """The JSON of a 200 for `outcome` ("ok", CUT, "block:...", "no_image:...")."""
    answer = _answer_json(fake, request, outcome)
    # Kept for the tests, or left out (as some proxies and odd answers do).
    request.seen.usage = answer.get("usageMetadata", {}) if fake.usage_metadata else {}
    if not fake.usage_metadata:
        answer.pop("usageMetadata", None)
    return answer


def _answer_json(fake: FakeGemini, request: Request, outcome: str) -> dict:
    what, _, how = outcome.partition(":")
    if what == "block":
        return blocked_answer(request, how)
    if what == "no_image":
        return no_image_answer(request, how)
    return plan_answer(fake, request) if request.seen.kind == PLAN else image_answer(fake, request)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGemini

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        request = self._request()
        if request is None:
            return
        outcome = self.fake._decide(request.seen)
        self.fake._arrive(request.seen)
        try:
            self._answer(request, outcome)
        finally:
            self.fake._leave(request.seen)

    def _answer(self, request: Request, outcome: str) -> None:
        seen = request.seen
        if latency := self.fake._latency():
            seen.latency = latency
            self.fake._released.wait(latency)
        if outcome == TIMEOUT:
            self.fake._released.wait(self.fake.hang_seconds)
            self.close_connection = True
        elif outcome == DISCONNECT:
            self.close_connection = True
        elif outcome == "404":
            self._error(
                404,
                f"models/{seen.model} is not found for API version {seen.version}, or is not supported for "
                "generateContent. Call ListModels to see the list of available models and their supported methods.",
            )
        elif outcome == "400-v1":
            unknown = [name for name in V1BETA_ONLY_FIELDS if name in seen.generation_config]
            self._bad_request([("generation_config", name) for name in unknown])
        elif outcome in ("429", DAILY_429):
            self._quota_exhausted(seen.model, per_day=outcome == DAILY_429)
        elif outcome.isdigit():
            self._error(int(outcome), "Injected failure.")
        else:
            self._json(answer_for(self.fake, request, outcome), cut=outcome == CUT)

    def _request(self) -> Request | None:
        """The call as the fake records it, or None once a 404 is sent."""
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        match = PATH.match(self.path.split("?", 1)[0])
        if not match or match["method"] != "generateContent":
            self._error(404, f"Method not found: {self.path}")
            return None
        texts, images = [], []
        for content in body.get("contents") or []:
            for part in content.get("parts") or []:
                if "text" in part:
                    texts.append(part["text"])
                blob = part.get("inlineData") or part.get("inline_data")
                if blob:
                    images.append(_b64decode(blob["data"]))
        generation_config = body.get("generationConfig") or {}
        wants_image = "IMAGE" in [m.upper() for m in generation_config.get("responseModalities") or []]
        seen = Seen(
            model=match["model"],
            version=match["version"],
            kind=_image_kind(texts, images) if wants_image else PLAN,
            prompt="\n".join(texts),
            has_image=bool(images),
            image_sha256=hashlib.sha256(images[0]).hexdigest() if images else "",
            generation_config=generation_config,
            system=" ".join(part.get("text", "") for part in (body.get("systemInstruction") or {}).get("parts") or []),
            api_key=self.headers.get("x-goog-api-key", ""),
        )
        return Request(seen, images)

    def _error(self, code: int, message: str, details: list[dict] | None = None) -> None:
        error: dict = {"code": code, "message": message, "status": STATUS_NAMES.get(code, "UNKNOWN")}
        if details:
            error["details"] = details
        self._json({"error": error}, status=code)

    def _quota_exhausted(self, model: str, *, per_day: bool) -> None:
        """Google's 429 for a spent quota: which quotas (a per-day one lists
        the per-minute ones beside it), a help link, and a RetryInfo (about
        47 s for a per-day quota too, though it comes back only at midnight)."""
        dimensions = {"location": "global", "model": model}
        metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
        violations = [{"quotaMetric": metric, "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                       "quotaDimensions": dimensions, "quotaValue": "10"}]  # fmt: skip
        if per_day:
            violations.insert(0, {"quotaMetric": metric, "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                                  "quotaDimensions": dimensions, "quotaValue": "250"})  # fmt: skip
        details = [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": violations},
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                    }
                ],
            },
        ]
        delay = "47s" if per_day else self.fake.retry_delay
        if delay:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay})
        message = (
            "You exceeded your current quota, please check your plan and billing details. For more information on "
            "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
        )
        self._error(429, message, details)

    def _bad_request(self, fields: list[tuple[str, str]]) -> None:
        """Google's answer to fields a version does not know."""
        violations = [
            {
                "field": at,
                "description": f"Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field.",
            }
            for at, name in fields
        ]
        message = "\n".join(violation["description"] for violation in violations) or "Invalid argument."
        self._error(
            400, message, [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}]
        )

    def _json(self, payload: dict, status: int = 200, *, cut: bool = False) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            if cut:
                # No length: the body ends where the connection does, halfway.
                data = data[: len(data) // 2]
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def fake_gemini(settings) -> Iterator[FakeGemini]:
    """The fake server, with the shop pointed at it: the gemini provider,
    a short client timeout and quick backoffs, and no retired model or
    quota pause left from another test in this process."""
    from generator.geministate import STATE

    STATE.forget()
    fake = FakeGemini().start()
    settings.IMAGE_PROVIDER = "gemini"
    settings.GEMINI_API_KEY = fake.api_key
    settings.GEMINI_BASE_URL = fake.url
    # 2 s: a book has twelve calls in flight at once, and a busy machine may
    # take more than a second to answer one of them; a hang is well past it.
    settings.GEMINI_TIMEOUT = 2.0
    fake.hang_seconds = 4.0
    settings.GEMINI_MAX_RETRIES = 12
    settings.GEMINI_BACKOFF_BASE = 0.01
    settings.GEMINI_BACKOFF_MAX = 0.05
    settings.GEMINI_RETRY_BUDGET = 30.0
    settings.GEMINI_RPM = 0
    # The heartbeat thread writes to the database from another connection;
    # inside a test's transaction that would wait on SQLite's write lock.
    settings.JOB_HEARTBEAT_SECONDS = 3600
    settings.JOB_WATCH_SECONDS = 3600
    yield fake
    fake.stop()
    STATE.forget()
