"""The client's address, as the platform in front of the shop delivers it.

Rate limits (orders, previews) count per address, so the address must be
one the client cannot choose. CLIENT_IP_SOURCE says where it comes from:

- `render`: Render puts Cloudflare in front of every service; the app sees
  `X-Forwarded-For: <what the client sent...>, <client>, <Cloudflare edge>`
  (sometimes one more Render hop) from Render's proxy on a private address.
  Counting hops from the right took the edge, so every customer behind one
  edge shared a bucket. Cloudflare sets `CF-Connecting-IP` to the address
  that connected to it, replacing whatever the client sent, and Render's
  proxy passes it on: that header is the client. It is read only from a
  connection that came from a private address (Render's proxy); a
  connection from a public one did not come through Render, and its
  headers are its own.
- `proxy`: NUM_PROXIES proxies of our own each append the address they saw
  to `X-Forwarded-For` (Heroku's router: 1); the client is the entry the
  outermost one appended, counted from the right, whatever the client put
  on the left. A header with no readable address there is "unreadable"
  (a bucket of its own); no header at all means the proxy's own request.
- `direct`: the connection's own address; every header is the client's.

Unset, it is `proxy` when NUM_PROXIES is set, else `direct`; on Render
(which sets RENDER=true) it is `render` (bookshop/settings.py).

The header parsing is django-ipware's (python-ipware underneath), told
exactly which header and how many trusted hops, never its guesses: its
default order reads headers any client can send.

An IPv6 address counts by its /64: that is what an ISP gives one home or one
server, and a client picks any of its 2^64 addresses at will. The /64's
network address (`2001:db8:1:2::`) is what is counted and stored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

IPV6_PREFIX = 64
SOURCES = ("render", "proxy", "direct")
RENDER_HEADER = "HTTP_CF_CONNECTING_IP"
FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_source() -> str:
    return settings.CLIENT_IP_SOURCE or ("proxy" if settings.NUM_PROXIES else "direct")


def _parse(value: str | None) -> Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def _from_header(request: HttpRequest, header: str, hops_after_client: int) -> Address | None:
    # "left-most" is the header's own order (client first); proxy_count then
    # picks the entry that many hops from the right, the end proxies append to.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=hops_after_client,
        request_header_order=[header],
        strict=False,
    )
    return _parse(address)


def client_address(request: HttpRequest) -> Address | None:
    """The client's own address, or None when the header that should carry
    it is there but holds none that can be read."""
    remote = _parse(request.META.get("REMOTE_ADDR"))
    source = client_source()
    if source == "render":
        if remote is not None and remote.is_global:
            return remote  # not through Render's proxy: nothing to trust
        if request.META.get(RENDER_HEADER):
            return _from_header(request, RENDER_HEADER, 0)
        return remote  # from inside Render (its health checks)
    if source == "proxy":
        if header := request.META.get(FORWARDED_HEADER):
            # The outermost proxy's entry has NUM_PROXIES - 1 after it.
            address = _from_header(request, FORWARDED_HEADER, max(settings.NUM_PROXIES, 1) - 1)
            # ipware passes over an entry it cannot read and takes the next
            # one to the left, which the client wrote: only the entry the
            # outermost proxy appended is the client.
            entries = header.split(",")
            appended = _parse(entries[-max(settings.NUM_PROXIES, 1)]) if len(entries) >= settings.NUM_PROXIES else None
            return address if address is not None and address == appended else None
        return remote
    return remote


def rate_limit_key(address: Address) -> str:
    """What a rate limit counts: the address, or an IPv6 address's /64."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False).network_address)
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The address a request's rate limits count against, and its order or
    preview stores; None when it cannot be read."""
    address = client_address(request)
    return rate_limit_key(address) if address is not None else None
