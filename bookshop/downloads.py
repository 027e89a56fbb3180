"""Serving stored files: a PDF (the customer's book in orders, the
print-shop file in the generator admin) and the screen-size images both
show."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag


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


def jpeg_response(request: HttpRequest, data: bytes, digest: str, *, max_age: int) -> HttpResponse:
    """A JPEG the browser keeps `max_age` seconds, for this visitor only
    (private: every image the shop serves is someone's), and asks about
    again with its ETag: a 304 when it has not changed."""
    etag = quote_etag(digest)
    response = get_conditional_response(request, etag=etag) or HttpResponse(data, content_type="image/jpeg")
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=max_age)
    return response
