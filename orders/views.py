import ipaddress
import logging

import stripe
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookshop.downloads import pdf_download
from generator.health import health_report
from generator.selectors import book_pdf
from orders import payments, selectors, services
from orders.forms import OrderForm
from orders.links import download_signature_valid
from orders.models import Order, OrderStatus, price_format

logger = logging.getLogger(__name__)

WEBHOOK_MAX_BYTES = 256 * 1024


def _order_or_404(token: str) -> Order:
    # The same 404 for a malformed token and an unknown one.
    if len(token) > 64:
        raise Http404
    return get_object_or_404(Order, token=token)


def client_ip(request: HttpRequest) -> str | None:
    address = request.META.get("REMOTE_ADDR")
    if settings.NUM_PROXIES:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= settings.NUM_PROXIES:
            address = forwarded[-settings.NUM_PROXIES]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


@require_GET
def storefront(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/storefront.html", {"form": OrderForm(), "price": _price()})


def _price() -> str:
    return price_format(settings.BOOK_PRICE_CENTS, settings.BOOK_CURRENCY)


@require_POST
def order_create(request: HttpRequest) -> HttpResponse:
    form = OrderForm(request.POST)
    if not form.is_valid():
        return render(request, "orders/storefront.html", {"form": form, "price": _price()}, status=400)
    # An address that cannot be read is limited in a bucket of its own.
    address = client_ip(request) or services.UNREADABLE_ADDRESS
    try:
        order = services.order_create(**form.cleaned_data, client_ip=address)
    except services.OrderRateLimited:
        logger.warning("order rate limit reached by %s", address)
        form.add_error(None, "You've placed many orders in a short time. Please wait a little and try again.")
        return render(request, "orders/storefront.html", {"form": form, "price": _price()}, status=429)
    try:
        url = services.order_checkout_url(order=order)
    except payments.PaymentError:
        logger.exception("checkout for order %s failed", order.pk)
        form.add_error(None, "We could not reach the payment page just now. Please try again in a minute.")
        return render(request, "orders/storefront.html", {"form": form, "price": _price()}, status=503)
    return HttpResponse(status=303, headers={"Location": url})


@require_http_methods(["GET", "POST"])
def demo_checkout(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.DEMO_CHECKOUT:
        raise Http404
    order = _order_or_404(token)
    if request.method == "POST":
        services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
        return HttpResponse(status=303, headers={"Location": f"/orders/{order.token}/"})
    return render(request, "orders/demo_checkout.html", {"order": order, "price": _price()})


@never_cache
@require_GET
def order_status_page(request: HttpRequest, token: str) -> HttpResponse:
    order = _order_or_404(token)
    return render(request, "orders/status.html", {"order": order, "state": selectors.order_status(order)})


@never_cache
@require_GET
def order_status_json(request: HttpRequest, token: str) -> JsonResponse:
    order = _order_or_404(token)
    return JsonResponse(selectors.order_status(order))


@require_GET
def order_download(request: HttpRequest, token: str, signature: str) -> HttpResponse:
    order = _order_or_404(token)
    if not download_signature_valid(order.token, signature):
        return render(request, "orders/link_expired.html", {"order": order}, status=410)
    stored = book_pdf(order.job)
    if order.status != OrderStatus.DELIVERED or stored is None:
        raise Http404
    return pdf_download(stored[0], f"coloring-book-{order.token[:8]}.pdf")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > WEBHOOK_MAX_BYTES:
        return HttpResponse("Payload too large or without length.", status=400)
    payload = request.body
    try:
        event = payments.webhook_event_verify(payload=payload, signature=request.headers.get("Stripe-Signature", ""))
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        return HttpResponse("Invalid payload or signature.", status=400)
    services.stripe_event_process(event=event)
    return HttpResponse(status=200)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 or 503 for load balancers; the details (database, worker
    heartbeat, queue) only for signed-in staff, as they describe the shop's
    insides to whoever asks."""
    report = health_report()
    body = report if request.user.is_staff else {"ok": report["ok"]}
    return JsonResponse(body, status=200 if report["ok"] else 503)
