"""Serving a stored PDF: the customer's book (orders) and the print-shop
file (generator admin) alike."""

from django.core.files.storage import default_storage
from django.http import FileResponse


def pdf_download(name: str, filename: str) -> FileResponse:
    """The stored file `name`, streamed as a PDF attachment saved as
    `filename`."""
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
