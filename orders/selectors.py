"""Reads: what the status page and status.json show."""

import hashlib

from django.conf import settings
from django.utils.translation import gettext, ngettext

from generator.selectors import job_progress, pages_drawn
from orders.links import download_path
from orders.models import Order, OrderStatus

# From this many seconds the estimate is told in minutes, then in hours (a
# book waiting for Gemini's daily quota to come back waits hours).
MINUTES_FROM_SECONDS = 90
HOURS_FROM_SECONDS = 2 * 3600


def eta_text(seconds: int | None) -> str:
    """The estimate as the status page tells it: "about N min left" from 90 s,
    "about N hours left" from two hours, "less than a minute left" below;
    never "0 min"; "" when there is none."""
    if seconds is None:
        return ""
    if seconds >= HOURS_FROM_SECONDS:
        hours = round(seconds / 3600)
        return ngettext("about %(hours)d hour left", "about %(hours)d hours left", hours) % {"hours": hours}
    if seconds >= MINUTES_FROM_SECONDS:
        minutes = round(seconds / 60)
        return ngettext("about %(minutes)d min left", "about %(minutes)d min left", minutes) % {"minutes": minutes}
    return gettext("less than a minute left")


def thumbnail_path(order: Order, number: int, name: str) -> str:
    # The stored name's digest in the query: a page drawn again gets a new URL.
    version = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"/orders/{order.token}/pages/{number}.jpg?v={version}"


def order_thumbnails(order: Order) -> list[tuple[int, str]]:
    """(page number, thumbnail URL) of each colored page stored so far."""
    if order.job is None:
        return []
    return [(number, thumbnail_path(order, number, name)) for number, name in pages_drawn(order.job)]


def order_status(order: Order) -> dict:
    """status, queue_position, pages_done, pages_total, eta_seconds and
    download_url (a fixed interface), with eta_text (the estimate in words)
    and thumbnails (the URLs of the colored pages stored so far, in book
    order, each answering to the order's token)."""
    data = {
        "status": order.status,
        "queue_position": 0,
        "pages_done": 0,
        "pages_total": settings.BOOK_SCENES * 2,
        "eta_seconds": None,
        "download_url": None,
        "eta_text": "",
        "thumbnails": [],
    }
    if order.job is not None:
        progress = job_progress(order.job)
        data["queue_position"] = progress["queue_position"]
        data["pages_done"] = progress["images_done"]
        data["pages_total"] = progress["images_total"]
        data["eta_seconds"] = progress["eta_seconds"]
        data["eta_text"] = eta_text(progress["eta_seconds"])
        data["thumbnails"] = [url for _, url in order_thumbnails(order)]
        deleted = order.personal_data_deleted_at is not None
        if order.status == OrderStatus.DELIVERED and progress["pdf_ready"] and not deleted:
            data["download_url"] = download_path(order)
    return data
