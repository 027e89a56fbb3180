"""Slow clients on real sockets, for the tests and the bench (bench/bench_slow_clients.py).

A slowloris client sends a request line, then one header byte every few
seconds and never the blank line that ends the headers; a slow-body client
sends complete headers for POST /api/webhook announcing a body it then sends
one byte at a time. Both keep going until the server closes the connection.
They run on an event loop in a thread of their own, so a hundred of them
cost the test process nothing.
"""

import asyncio
import contextlib
import threading
import time
import urllib.error
import urllib.request

SLOW_HEADERS = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n"
SLOW_BODY = (
    b"POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Stripe-Signature: t=1,v1=0\r\nContent-Length: 4096\r\n\r\n{"
)


class SlowClients:
    """`count` slowloris and `count` slow-body connections to 127.0.0.1:`port`,
    one byte each every `every` seconds, while the context is open."""

    def __init__(self, port: int, count: int = 50, every: float = 2.0) -> None:
        self.port = port
        self.count = count
        self.every = every
        self.connected = 0
        # Connection: seconds from its opening until the server closed it.
        self.closed_after: list[float] = []
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True)
        self._ready = threading.Event()

    async def _client(self, opening: bytes) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return
        self.connected += 1
        opened = time.monotonic()
        try:
            writer.write(opening)
            await writer.drain()
            while not self._stop.is_set():
                # Whatever the server answers (408, 400) ends it; so does EOF.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.every):
                        await reader.read(65536)
                        self.closed_after.append(time.monotonic() - opened)
                        return
                writer.write(b"x" if opening is SLOW_HEADERS else b" ")
                await writer.drain()
        except OSError:
            self.closed_after.append(time.monotonic() - opened)
        finally:
            writer.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        clients = [self._client(SLOW_HEADERS) for _ in range(self.count)]
        clients += [self._client(SLOW_BODY) for _ in range(self.count)]
        tasks = [asyncio.ensure_future(client) for client in clients]
        await asyncio.sleep(0.5)  # every connection opened and its first bytes sent
        self._ready.set()
        await asyncio.gather(*tasks)

    def __enter__(self) -> "SlowClients":
        self._thread.start()
        self._ready.wait(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    @property
    def still_open(self) -> int:
        return self.connected - len(self.closed_after)


def timed_request(url: str, data: bytes | None = None, timeout: float = 5, **headers: str) -> tuple[int | str, float]:
    """(HTTP status, or the error instead of one; seconds it took)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=timeout) as response:
            response.read()
            status: int | str = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = repr(error)
    return status, time.monotonic() - started
