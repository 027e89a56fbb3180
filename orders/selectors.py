"""Reads: what the status page and status.json show."""

from django.conf import settings

from generator.selectors import job_progress
from orders.links import download_path
from orders.models import Order, OrderStatus


def order_status(order: Order) -> dict:
    data = {
        "status": order.status,
        "queue_position": 0,
        "pages_done": 0,
        "pages_total": settings.BOOK_SCENES * 2,
        "eta_seconds": None,
        "download_url": None,
    }
    if order.job is not None:
        progress = job_progress(order.job)
        data["queue_position"] = progress["queue_position"]
        data["pages_done"] = progress["images_done"]
        data["pages_total"] = progress["images_total"]
        data["eta_seconds"] = progress["eta_seconds"]
        deleted = order.personal_data_deleted_at is not None
        if order.status == OrderStatus.DELIVERED and progress["pdf_ready"] and not deleted:
            data["download_url"] = download_path(order)
    return data
