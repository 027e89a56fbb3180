"""Serving a stored PDF: the customer's book (orders) and the print-shop
file (generator admin) alike."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.cache import patch_cache_control


def pdf_download(name: str, filename: str) -> FileResponse:
    """The stored file `name`, streamed as a PDF attachment saved as
    `filename`: a child's book, so kept by no shared cache (a proxy, a CDN)
    and not stored on disk by the browser either."""
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
