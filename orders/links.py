"""Signed, expiring download links. The order's token finds the book; the
signature makes a link shared long ago stop working."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orders.models import Order

_SALT = "orders.download"


def download_path(order: Order) -> str:
    signature = signing.TimestampSigner(salt=_SALT).sign(order.token).split(":", 1)[1]
    return reverse("orders:download", args=[order.token, signature])


def download_url(order: Order) -> str:
    return settings.SITE_URL + download_path(order)


def download_signature_valid(token: str, signature: str) -> bool:
    try:
        signing.TimestampSigner(salt=_SALT).unsign(f"{token}:{signature}", max_age=settings.DOWNLOAD_LINK_MAX_AGE)
    except signing.BadSignature:
        return False
    return True
