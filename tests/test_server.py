"""The web process's front (bookshop/server.py), called as hypercorn calls it:
a body is read by its deadline and within its size before Django sees it,
and a header spelt with underscores never stands in for the one a proxy
sets. Real sockets against bin/start: tests/test_deploy.py."""

import asyncio

from bookshop.server import BufferedWSGI


def echo(environ, start_response):
    """A WSGI app answering with the request's body and its client header."""
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("HTTP_CF_CONNECTING_IP", "-").encode(), b"|", body]


def call(app: BufferedWSGI, headers: list[tuple[bytes, bytes]], messages: list[dict], stall: bool = False) -> dict:
    """Run one request; the status and body it was answered with."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("10.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict] = []

    async def run() -> None:
        queue = list(messages)

        async def receive() -> dict:
            if queue:
                return queue.pop(0)
            if stall:
                await asyncio.sleep(3600)  # a client that stopped sending
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await asyncio.wait_for(app(scope, receive, send), timeout=30)

    asyncio.run(run())
    status = next(message["status"] for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return {"status": status, "body": body}


def test_a_body_is_handed_over_whole_and_underscored_headers_are_dropped():
    app = BufferedWSGI(echo, body_seconds=5, max_body_bytes=1000, threads=2)
    headers = [(b"cf_connecting_ip", b"6.6.6.6"), (b"cf-connecting-ip", b"198.51.100.7")]
    messages = [
        {"type": "http.request", "body": b"he", "more_body": True},
        {"type": "http.request", "body": b"llo", "more_body": False},
    ]
    assert call(app, headers, messages) == {"status": 200, "body": b"198.51.100.7|hello"}


def test_a_body_not_complete_by_its_deadline_gets_408_without_reaching_the_app():
    app = BufferedWSGI(echo, body_seconds=0.5, max_body_bytes=1000, threads=2)
    answer = call(app, [], [{"type": "http.request", "body": b"{", "more_body": True}], stall=True)
    assert answer["status"] == 408 and b"|" not in answer["body"]


def test_a_body_over_the_limit_gets_413():
    app = BufferedWSGI(echo, body_seconds=5, max_body_bytes=10, threads=2)
    messages = [{"type": "http.request", "body": b"x" * 8, "more_body": True}] * 3
    assert call(app, [], messages)["status"] == 413


def test_a_client_gone_before_its_body_was_complete_never_reaches_the_app():
    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b""]

    front = BufferedWSGI(app, body_seconds=5, max_body_bytes=1000, threads=1)
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b"", "http_version": "1.1"}
    messages = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(front(scope, receive, send))
    assert seen == [] and sent == []
