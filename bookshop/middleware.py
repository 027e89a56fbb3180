"""Requests the shop refuses before any view reads them."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RefuseNulInQueryMiddleware:
    """A NUL byte in the query string is answered 400.

    PostgreSQL refuses NUL in a text parameter, so any lookup made from a
    query parameter (`/?from=`, the admin's list filters, `?status=%00`)
    would fail with a 500. Paths are safe already (tokens go through their
    converter, bookshop/tokens.py) and form fields too (Django's CharField
    refuses NUL); this closes the query string, in one place, whatever
    view reads it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest("A NUL byte cannot be part of a query.", content_type="text/plain")
        return self.get_response(request)
