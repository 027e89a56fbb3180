"""A fake Stripe API on 127.0.0.1, spoken to by the real stripe SDK.

It answers the calls the shop makes (`POST /v1/checkout/sessions`,
`GET /v1/checkout/sessions/<id>`, `POST /v1/refunds`) the way Stripe does:
form-encoded parameters in, JSON objects out, the same object again for a
repeated Idempotency-Key, 404 `resource_missing` for a session it never
made. It records every request and can be told to fail the next calls with
a Stripe error. A test pays a session it made with `session_pay` (what
Stripe's hosted page does), which the next retrieval shows.
"""

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

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
    # Checkout sessions by id, as a retrieval shows them now.
    sessions: dict[str, dict] = field(default_factory=dict)
    _by_key: dict[str, dict] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._answer("GET", dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                self._answer("POST", dict(parse_qsl(body, keep_blank_values=True)))

            def _answer(self, method: str, params: dict[str, str]) -> None:
                request = StripeRequest(
                    method=method,
                    path=urlsplit(self.path).path,
                    params=params,
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
            if request.method == "GET":
                return self._retrieve(request.path)
            if request.path == "/v1/checkout/sessions":
                obj = self._session(request.params)
            elif request.path == "/v1/refunds":
                obj = self._refund(request.params)
            else:
                return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized {request.path}"}}
            if request.idempotency_key:
                self._by_key[request.idempotency_key] = obj
            self.created.append(obj)
            if obj["object"] == "checkout.session":
                self.sessions[obj["id"]] = obj
            return 200, obj

    def _retrieve(self, path: str) -> tuple[int, dict]:
        prefix = "/v1/checkout/sessions/"
        session = self.sessions.get(path[len(prefix) :]) if path.startswith(prefix) else None
        if session is None:
            missing = path.rsplit("/", 1)[-1]
            error = {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "param": "session",
                "message": f"No such checkout.session: '{missing}'",
            }
            return 404, {"error": error}
        return 200, session

    def session_pay(self, session_id: str, *, payment_status: str = "paid", payment_intent: str | None = None) -> dict:
        """The customer paid on Stripe's page (or started a delayed payment,
        payment_status "unpaid"): the session is complete from now on."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status=payment_status,
                payment_intent=payment_intent or f"pi_test_{secrets.token_hex(12)}",
                customer_details={
                    "address": {
                        "city": None,
                        "country": "FR",
                        "line1": None,
                        "line2": None,
                        "postal_code": None,
                        "state": None,
                    },
                    "email": session["customer_email"],
                    "name": "Camille Martin",
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                    "business_name": None,
                    "individual_name": None,
                },
            )
            return dict(session)

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
            "payment_intent": None,
            "status": "open",
            "livemode": False,
            "locale": params.get("locale"),
            "customer_details": None,
            "metadata": {"order_token": params.get("metadata[order_token]")},
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
        }

    def _refund(self, params: dict[str, str]) -> dict:
        return {
            "id": f"re_test_{secrets.token_hex(12)}",
            "object": "refund",
            "payment_intent": params.get("payment_intent"),
            # It may still fail later (refund.failed, refund.updated).
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
