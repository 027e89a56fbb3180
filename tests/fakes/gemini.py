"""A fake Gemini API on 127.0.0.1, spoken to by the real google-genai SDK.

`POST /{version}/models/{model}:generateContent` answers:
- scene planning (no IMAGE in `responseModalities`): a JSON array of scenes,
  in French when the order asks for French;
- image generation (IMAGE asked, no image sent): a small line-art PNG with a
  transparent background, as image models sometimes send;
- image editing (an `inlineData` image sent): a colored JPEG of that image,
  unless the prompt asks to keep the same child and hero as the image (a
  line-art call with the book's reference drawing): then new line art.

Every request is recorded (`requests`), and the server can be told to fail:
the next calls (`fail_next`), a fraction of all calls (`fail_randomly`), or
the calls whose prompt matches some text (`block`, `reject`). Failures are
what Google sends: 429 and 503 with a Google error body, a hang longer than
the client's timeout, a dropped connection, a safety block with no image
(or, for a text call, no text). `latency` makes every call take that long
(or between `latency` and `latency_max`). Answers count their tokens in
`usageMetadata` as Google's do (`_usage_metadata`), unless told not to.
"""

import base64
import hashlib
import io
import json
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
# Outcomes a fault may take: an HTTP status, a hang, or a dropped connection.
TIMEOUT, DISCONNECT = "timeout", "disconnect"
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
    system: str = ""  # the system instruction's text
    image_sha256: str = ""  # of the first image sent
    answer: str = "ok"  # "ok", "blocked", a status code like "429", TIMEOUT or DISCONNECT
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
    answer: str  # "block:prompt", "block:image" or a status code


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
        with finishReason IMAGE_SAFETY and no image) or "text" (a candidate
        with finishReason SAFETY and no content, as a text model answers)."""
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
        return [seen for seen in self.calls() if seen.answer not in ("ok", "blocked")]

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
            elif self.faults:
                outcome = self.faults.pop(0)
            elif self.fault_rate and self._random.random() < self.fault_rate:
                outcome = self._random.choice(self.fault_kinds)
            else:
                prompt = seen.prompt.lower()
                rule = next(
                    (r for r in self.rules if r.match in prompt and (r.kind is None or r.kind == seen.kind)), None
                )
                outcome = rule.answer if rule else "ok"
            seen.answer = "blocked" if outcome.startswith("block:") else outcome
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
    count = int(schema.get("maxItems") or 12)
    try:
        order = json.loads(prompt)
    except ValueError:
        order = {}
    order = order if isinstance(order, dict) else {}
    theme = order.get("theme") or "friends"
    if order.get("language") == "French":
        who = f"{order['child_name']} et ses amis" if order.get("child_name") else "Les amis"
        return [f"{who} {ACTIVITIES_FR[i % len(ACTIVITIES_FR)]} : {theme}" for i in range(count)]
    who = f"{order['child_name']} and friends" if order.get("child_name") else "Friends"
    return [f"{who} {ACTIVITIES[i % len(ACTIVITIES)]}: {theme}" for i in range(count)]


# Output tokens of one image by `imageConfig.imageSize` (Google: 747 for
# 512 px, 1,120 for 1K, 1,680 for 2K, 2,520 for 4K; 1K when not asked).
IMAGE_OUTPUT_TOKENS = {"512": 747, "1K": 1120, "2K": 1680, "4K": 2520}
# Input tokens of an image sent with a prompt (Gemini 3's default media
# resolution), and the thinking an image model does before drawing.
IMAGE_INPUT_TOKENS = 1120
IMAGE_THOUGHT_TOKENS = 180


def _text_tokens(text: str) -> int:
    """About four characters a token, as Google's documentation counts."""
    return max(1, len(text) // 4) if text else 0


def _usage_metadata(seen: Seen, *, text: str = "", image_out: bool = False, images_in: int = 0) -> dict:
    """The usageMetadata of an answer, in the REST shape: prompt and
    candidate counts split by modality, thinking apart, and their total."""
    prompt_text = _text_tokens(seen.prompt) + _text_tokens(seen.system)
    prompt_image = images_in * IMAGE_INPUT_TOKENS
    size = (seen.generation_config.get("imageConfig") or {}).get("imageSize") or "1K"
    output_image = IMAGE_OUTPUT_TOKENS.get(size, IMAGE_OUTPUT_TOKENS["1K"]) if image_out else 0
    output_text = _text_tokens(text)
    thoughts = IMAGE_THOUGHT_TOKENS if image_out else 0
    prompt_details = [{"modality": "TEXT", "tokenCount": prompt_text}]
    if prompt_image:
        prompt_details.append({"modality": "IMAGE", "tokenCount": prompt_image})
    candidate_details = []
    if output_text:
        candidate_details.append({"modality": "TEXT", "tokenCount": output_text})
    if output_image:
        candidate_details.append({"modality": "IMAGE", "tokenCount": output_image})
    usage = {
        "promptTokenCount": prompt_text + prompt_image,
        "candidatesTokenCount": output_text + output_image,
        "totalTokenCount": prompt_text + prompt_image + output_text + output_image + thoughts,
        "promptTokensDetails": prompt_details,
        "candidatesTokensDetails": candidate_details,
    }
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    seen.usage = usage
    return usage


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGemini

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        match = PATH.match(self.path.split("?", 1)[0])
        if not match or match["method"] != "generateContent":
            self._error(404, f"Method not found: {self.path}")
            return
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
            kind=_image_kind(texts, images) if wants_image else PLAN,
            prompt="\n".join(texts),
            has_image=bool(images),
            image_sha256=hashlib.sha256(images[0]).hexdigest() if images else "",
            generation_config=generation_config,
            system=" ".join(part.get("text", "") for part in (body.get("systemInstruction") or {}).get("parts") or []),
            api_key=self.headers.get("x-goog-api-key", ""),
        )
        outcome = self.fake._decide(seen)
        self.fake._arrive(seen)
        try:
            self._answer(seen, outcome, images, generation_config)
        finally:
            self.fake._leave(seen)

    def _answer(self, seen: Seen, outcome: str, images: list[bytes], generation_config: dict) -> None:
        if latency := self.fake._latency():
            seen.latency = latency
            self.fake._released.wait(latency)
        if outcome == TIMEOUT:
            self.fake._released.wait(self.fake.hang_seconds)
            self.close_connection = True
            return
        if outcome == DISCONNECT:
            self.close_connection = True
            return
        if outcome.isdigit():
            self._error(int(outcome), "Injected failure.")
            return
        if outcome == "block:prompt":
            self._json({"promptFeedback": {"blockReason": "SAFETY"}, "modelVersion": seen.model})
            return
        if outcome == "block:image":
            candidate = {
                "finishReason": "IMAGE_SAFETY",
                "finishMessage": "Unable to show the generated image: it may violate the usage guidelines.",
                "index": 0,
            }
            self._json({"candidates": [candidate], "modelVersion": seen.model})
            return
        if outcome == "block:text":
            candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": _BLOCKED_RATINGS}
            self._json({"candidates": [candidate], "modelVersion": seen.model})
            return
        if seen.kind == PLAN:
            text = self.fake._next_plan_answer()
            if text is None:
                text = json.dumps(_scenes(seen.prompt, generation_config))
            self._candidate([{"text": text}], seen.model, _usage_metadata(seen, text=text, images_in=len(images)))
        else:
            if seen.kind == LINE_ART:
                data, mime = draw_line_art(seen.prompt, _page_size(generation_config, self.fake.image_long_side)), "png"
            elif seen.kind == COVER:
                # A colored picture: the drawing of the prompt, colored.
                size = _page_size(generation_config, self.fake.image_long_side)
                data, mime = color_image(draw_line_art(seen.prompt, size), seen.prompt), "jpeg"
            else:
                data, mime = color_image(images[0], seen.prompt), "jpeg"
            if self.fake.image_bytes:
                if mime == "jpeg":
                    with Image.open(io.BytesIO(data)) as image:
                        data, mime = _png(image), "png"
                data = padded_png(data, self.fake.image_bytes)
            parts = [{"inlineData": {"mimeType": f"image/{mime}", "data": base64.b64encode(data).decode()}}]
            self._candidate(parts, seen.model, _usage_metadata(seen, image_out=True, images_in=len(images)))

    def _candidate(self, parts: list[dict], model: str, usage: dict | None = None) -> None:
        content = {"role": "model", "parts": parts}
        answer = {"candidates": [{"content": content, "finishReason": "STOP", "index": 0}], "modelVersion": model}
        if usage is not None and self.fake.usage_metadata:
            answer["usageMetadata"] = usage
        elif usage is not None:
            usage.clear()  # not sent
        self._json(answer)

    def _error(self, code: int, message: str) -> None:
        error: dict = {"code": code, "message": message, "status": STATUS_NAMES.get(code, "UNKNOWN")}
        if code == 429 and self.fake.retry_delay:
            error["details"] = [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": self.fake.retry_delay}
            ]
        self._json({"error": error}, status=code)

    def _json(self, payload: dict, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def fake_gemini(settings) -> Iterator[FakeGemini]:
    """The fake server, with the shop pointed at it: the gemini provider,
    a short client timeout and quick backoffs."""
    fake = FakeGemini().start()
    settings.IMAGE_PROVIDER = "gemini"
    settings.GEMINI_API_KEY = fake.api_key
    settings.GEMINI_BASE_URL = fake.url
    settings.GEMINI_API_VERSION = ""
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
