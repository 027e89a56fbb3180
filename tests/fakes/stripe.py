"""A fake Stripe API on 127.0.0.1, spoken to by the real stripe SDK.

It answers the two calls the shop makes (`POST /v1/checkout/sessions`,
`POST /v1/refunds`) the way Stripe does: form-encoded parameters in, JSON
objects out, the same object again for a repeated Idempotency-Key. It records
every request and can be told to fail the next calls with a Stripe error.
"""

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest


@dataclass
class StripeRequest:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None
    authorization: str


@dataclass
class FakeStripe:
    requests: list[StripeRequest] = field(default_factory=list)
    # (status, error type, message) answered to the next calls, in order.
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    # Every object made (checkout sessions, refunds), in order.
    created: list[dict] = field(default_factory=list)
    _by_key: dict[str, dict] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                request = StripeRequest(
                    method="POST",
                    path=self.path,
                    params=dict(parse_qsl(body, keep_blank_values=True)),
                    idempotency_key=self.headers.get("Idempotency-Key"),
                    authorization=self.headers.get("Authorization", ""),
                )
                status, payload = fake.answer(request)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, request: StripeRequest) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            if request.idempotency_key and request.idempotency_key in self._by_key:
                return 200, self._by_key[request.idempotency_key]
            if self.failures:
                status, kind, message = self.failures.pop(0)
                return status, {"error": {"type": kind, "message": message}}
            if request.path == "/v1/checkout/sessions":
                obj = self._session(request.params)
            elif request.path == "/v1/refunds":
                obj = self._refund(request.params)
            else:
                return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized {request.path}"}}
            if request.idempotency_key:
                self._by_key[request.idempotency_key] = obj
            self.created.append(obj)
            return 200, obj

    def _session(self, params: dict[str, str]) -> dict:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        return {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "amount_total": int(params.get("line_items[0][price_data][unit_amount]", "0")),
            "currency": params.get("line_items[0][price_data][currency]"),
            "mode": params.get("mode"),
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
        }

    def _refund(self, params: dict[str, str]) -> dict:
        return {
            "id": f"re_test_{secrets.token_hex(12)}",
            "object": "refund",
            "payment_intent": params.get("payment_intent"),
            "status": "succeeded",
        }

    def calls(self, path: str) -> list[StripeRequest]:
        return [request for request in self.requests if request.path == path]


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    """The fake Stripe, with the shop pointed at it (no demo checkout)."""
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = fake.url
    settings.DEMO_CHECKOUT = False
    yield fake
    fake.stop()
