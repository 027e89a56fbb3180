"""The web process's front: requests are read whole, with deadlines, before
any thread of the shop sees them.

gunicorn's gthread worker hands a connection to one of its few threads as
soon as its first byte arrives, and that thread then waits, with no
deadline, for the rest of the headers and the body: four clients sending a
byte every 2 s held every thread, and /healthz and Stripe's webhook went
unanswered. Here hypercorn reads on its event loop, where a waiting client
costs a few kilobytes and no thread:

- the headers must all have arrived WEB_HEADER_SECONDS after the connection
  opened (hypercorn's keep-alive timer runs from the connection's start until
  its request line and headers are complete: `--keep-alive` in bin/start);
- the body must all have arrived WEB_BODY_SECONDS after the headers (this
  module), else the client gets 408 and the connection is closed;
- a body over WEB_MAX_BODY_BYTES is refused (413) as it arrives, never held;
- a header whose name has an underscore is dropped, as gunicorn does: WSGI
  spells `CF-Connecting-IP` and `CF_Connecting_IP` alike, and the second one
  is not the one a proxy overwrites (orders/client_ip.py trusts such headers);
- only then does the request go to Django (bookshop.wsgi), in one of
  WEB_THREADS threads: the same bounded pool gunicorn had, so the database
  sees no more connections than before.

hypercorn builds the WSGI environ and streams the response (its WSGIWrapper);
this module only adds the body's deadline and the bounded thread pool, which
hypercorn's own WSGI mode lacks (it waits for a body forever, and runs the
app in asyncio's default pool, sized by the CPU count). WSGIWrapper is not
documented API: requirements.txt pins hypercorn, and tests/test_server.py
calls this front as hypercorn does, so an upgrade that changes it shows.
"""

import asyncio
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from django.conf import settings
from hypercorn.app_wrappers import WSGIWrapper

from bookshop.wsgi import application as django_application

# Django's threads: the same bounded pool gunicorn had (bin/start's WEB_THREADS).
THREADS = int(os.environ.get("WEB_THREADS", "").strip() or 4)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class BodyTooSlow(Exception):
    """The body was not complete by its deadline (or grew too large)."""


class ClientGone(Exception):
    """The client closed the connection before its body was complete."""


async def _answer(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": text, "more_body": False})


class BufferedWSGI:
    """An ASGI application (hypercorn serves it) that reads each request's body
    by a deadline, then runs the WSGI application in a bounded thread pool."""

    def __init__(self, wsgi: Callable, *, body_seconds: float, max_body_bytes: int, threads: int) -> None:
        # max_body_bytes + 1: hypercorn's wrapper refuses above its limit
        # with a bare 400; the 413 below answers first.
        self.wrapper = WSGIWrapper(wsgi, max_body_bytes + 1)
        self.body_seconds = body_seconds
        self.max_body_bytes = max_body_bytes
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="web")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets here
        scope = {**scope, "headers": [(name, value) for name, value in scope["headers"] if b"_" not in name]}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_seconds
        received = 0
        too_large = False

        async def receive_by_deadline() -> dict:
            nonlocal received, too_large
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.disconnect":
                # hypercorn's wrapper would run the app on the half body.
                raise ClientGone
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                too_large = True
                raise BodyTooSlow
            return message

        def call_soon(func: Callable, *args: Any) -> Any:
            # From a pool thread: the response's parts go out on the loop.
            return asyncio.run_coroutine_threadsafe(func(*args), loop).result()

        try:
            await self.wrapper(scope, receive_by_deadline, send, partial(loop.run_in_executor, self.pool), call_soon)
        except ClientGone:
            return  # nobody to answer
        except BodyTooSlow:
            # Raised only while the body is read, before Django saw anything.
            if too_large:
                await _answer(send, 413, b"Request body too large.\n")
            else:
                await _answer(send, 408, b"Request body not received in time.\n")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return


application = BufferedWSGI(
    django_application,
    body_seconds=settings.WEB_BODY_SECONDS,
    max_body_bytes=settings.WEB_MAX_BODY_BYTES,
    threads=THREADS,
)
