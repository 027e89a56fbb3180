import logging

import stripe
from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookshop.downloads import jpeg_response, pdf_download
from bookshop.tokens import readable_token
from generator import selectors as job_selectors
from generator.health import health_report
from generator.selectors import book_pdf
from generator.thumbnails import preview_image as preview_image_bytes
from generator.thumbnails import thumbnail
from orders import payments, previews, pricing, privacy, selectors, services, stripe_webhooks
from orders.client_ip import client_ip
from orders.forms import OrderForm
from orders.links import download_signature_valid
from orders.models import Order, OrderStatus, Preview

logger = logging.getLogger(__name__)

WEBHOOK_MAX_BYTES = 256 * 1024
# The long side of a page's thumbnail on the status page.
THUMBNAIL_PIXELS = 240
# A page's or a preview's picture only changes when it is drawn again, which
# gives it another URL (the status page) or ETag (a preview's redraw).
IMAGE_MAX_AGE = 3600


def _order_or_404(token: str) -> Order:
    # The same 404 for a malformed token and an unknown one.
    if len(token) > 64:
        raise Http404
    return get_object_or_404(Order, token=token)


def _storefront(request: HttpRequest, form: OrderForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "price": _price(),
        "previews_paused": previews.previews_paused(),
        # The dedication's live counter; {n} is the number.
        "counter": {
            "left_one": gettext("{n} character left"),
            "left_many": gettext("{n} characters left"),
            "over_one": gettext("{n} character too many"),
            "over_many": gettext("{n} characters too many"),
        },
    }
    return render(request, "orders/storefront.html", context, status=status)


@require_GET
def storefront(request: HttpRequest) -> HttpResponse:
    """The order form; `?from=<preview token>` fills it with that preview's
    brief, to change the theme or anything else and preview again, and
    `?again=<order token>` with that order's (the link in the email of a
    payment that failed). Each token is the secret that already shows its
    brief on its own page."""
    initial = {}
    # A value that cannot be a token (bookshop/tokens.py) names nothing.
    source = readable_token(request.GET.get("from", ""))
    again = readable_token(request.GET.get("again", ""))
    preview = Preview.objects.filter(token=source).first() if source else None
    order = Order.objects.filter(token=again, personal_data_deleted_at__isnull=True).first() if again else None
    if preview is not None:
        initial = {**preview.brief_fields(), "email": preview.email}
    elif order is not None:
        initial = {**order.brief_fields(), "email": order.email}
    return _storefront(request, OrderForm(initial=initial))


def _price() -> str:
    """The book's price in the visitor's currency and language."""
    price = pricing.book_price()
    return pricing.price_text(price.cents, price.currency)


@require_POST
def order_create(request: HttpRequest) -> HttpResponse:
    form = OrderForm(request.POST)
    if not form.is_valid():
        return _storefront(request, form, status=400)
    brief = dict(form.cleaned_data)
    email = brief.pop("email")
    preview = None
    if request.POST.get("preview"):
        try:
            preview = previews.preview_for_order(request.POST["preview"][:64])
        except previews.PreviewRefused as exc:
            form.add_error(None, str(exc))
            return _storefront(request, form, status=410)
        brief = preview.brief_fields()  # the book the parent saw
    # An address that cannot be read is limited in a bucket of its own.
    address = client_ip(request) or services.UNREADABLE_ADDRESS
    try:
        order = services.order_create(email=email, **brief, client_ip=address, preview=preview)
    except services.OrderRateLimited:
        logger.warning("order rate limit reached by %s", address)
        form.add_error(None, gettext("You've placed many orders in a short time. Please wait a little and try again."))
        return _storefront(request, form, status=429)
    try:
        url = services.order_checkout_url(order=order)
    except payments.PaymentError:
        logger.exception("checkout for order %s failed", order.pk)
        form.add_error(None, gettext("We could not reach the payment page just now. Please try again in a minute."))
        return _storefront(request, form, status=503)
    return HttpResponse(status=303, headers={"Location": url})


# Previews ------------------------------------------------------------------


def _preview_or_404(token: str) -> Preview:
    preview = get_object_or_404(Preview.objects.select_related("job"), token=token)
    if previews.preview_expired(preview) and not previews.preview_ordered(preview):
        raise Http404
    return preview


@require_POST
def preview_create(request: HttpRequest) -> HttpResponse:
    form = OrderForm(request.POST)
    if not form.is_valid():
        return _storefront(request, form, status=400)
    brief = dict(form.cleaned_data)
    email = brief.pop("email")
    address = client_ip(request) or services.UNREADABLE_ADDRESS
    try:
        preview = previews.preview_create(email=email, client_ip=address, **brief)
    except previews.PreviewRefused as exc:
        logger.warning("preview refused for %s: %s", address, exc)
        form.add_error(None, str(exc))
        return _storefront(request, form, status=429)
    return HttpResponse(status=303, headers={"Location": f"/previews/{preview.token}/"})


def _preview_state(preview: Preview) -> dict:
    progress = job_selectors.preview_progress(preview.job)
    base = f"/previews/{preview.token}/images"
    scene = preview.job.preview_scene
    by_kind = {
        which: f"{base}/{which}-{scene}.jpg" if progress[which] else "" for which in ("cover", "colored", "line_art")
    }
    return {
        "status": progress["status"],
        "images": [url for url in by_kind.values() if url],
        # The same, by what each shows, for the page to put each in its place.
        "by_kind": by_kind,
        "caption": progress["caption"],
        "redraws_left": previews.redraws_left(preview),
    }


def _preview_page(request: HttpRequest, preview: Preview, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "preview": preview,
        "state": _preview_state(preview),
        "price": _price(),
        "form": OrderForm(initial={**preview.brief_fields(), "email": preview.email}),
        "expires_days": settings.PREVIEW_MAX_AGE_DAYS,
        "error": error,
    }
    return render(request, "orders/preview.html", context, status=status)


@never_cache
@require_GET
def preview_page(request: HttpRequest, token: str) -> HttpResponse:
    return _preview_page(request, _preview_or_404(token))


@never_cache
@require_GET
def preview_status_json(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse(_preview_state(_preview_or_404(token)))


@require_GET
def preview_image(request: HttpRequest, token: str, which: str, scene: int) -> HttpResponse:
    """One of the preview's pictures, at screen size and marked PREVIEW:
    reachable only through the preview's token."""
    preview = _preview_or_404(token)
    progress = job_selectors.preview_progress(preview.job)
    name = progress.get(which) if which in ("cover", "colored", "line_art") else None
    if not name or (which != "cover" and scene != preview.job.preview_scene):
        raise Http404
    with translation.override(preview.language):
        mark = pgettext("watermark on a preview's pictures", "PREVIEW")
    image = preview_image_bytes(name, settings.PREVIEW_IMAGE_PIXELS, mark=mark)
    return jpeg_response(request, image.data, image.digest, max_age=IMAGE_MAX_AGE)


@require_POST
def preview_redraw(request: HttpRequest, token: str) -> HttpResponse:
    preview = _preview_or_404(token)
    try:
        previews.preview_redraw(preview=preview)
    except previews.PreviewRefused as exc:
        return _preview_page(request, preview, error=str(exc), status=409)
    return HttpResponse(status=303, headers={"Location": f"/previews/{preview.token}/"})


@require_http_methods(["GET", "POST"])
def demo_checkout(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.DEMO_CHECKOUT:
        raise Http404
    order = _order_or_404(token)
    if request.method == "POST":
        services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
        return HttpResponse(status=303, headers={"Location": f"/orders/{order.token}/"})
    # What this order costs (its currency), written in the visitor's language.
    price = pricing.price_text(order.amount_cents, order.currency)
    return render(request, "orders/demo_checkout.html", {"order": order, "price": price})


def _status_page(request: HttpRequest, order: Order, *, delete_error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "order": order,
        "state": selectors.order_status(order),
        "pages": selectors.order_thumbnails(order),
        "can_delete": order.status in privacy.DELETABLE_STATUSES and order.personal_data_deleted_at is None,
        "delete_error": delete_error,
    }
    return render(request, "orders/status.html", context, status=status)


@never_cache
@require_GET
def order_status_page(request: HttpRequest, token: str) -> HttpResponse:
    order = _order_or_404(token)
    # Back from Stripe Checkout (its success_url): a payment the webhook has
    # not brought yet is fulfilled now, so the parent sees their book begin.
    session_id = request.GET.get("session_id", "")
    if session_id and order.paid_at is None:
        services.order_checkout_return(token=order.token, session_id=session_id[:255])
        order.refresh_from_db()
    return _status_page(request, order)


@require_POST
def order_data_delete(request: HttpRequest, token: str) -> HttpResponse:
    """The parent deletes the order's personal data and images, having
    ticked the box that says it cannot be undone."""
    order = _order_or_404(token)
    if request.POST.get("confirm") != "yes":
        return _status_page(
            request, order, delete_error=gettext("Tick the box to confirm, then press Delete."), status=400
        )
    try:
        privacy.order_personal_data_delete(order)
    except privacy.DeletionRefused as exc:
        return _status_page(request, order, delete_error=str(exc), status=409)
    return HttpResponse(status=303, headers={"Location": f"/orders/{order.token}/"})


INFO_PAGES = ("contact", "faq", "refunds", "privacy", "terms")


@require_GET
def info_page(request: HttpRequest, page: str) -> HttpResponse:
    """Who we are and what we promise: contact, FAQ, refunds, privacy, terms."""
    if page not in INFO_PAGES:
        raise Http404
    context = {
        "contact_email": settings.SHOP_CONTACT_EMAIL,
        "price": _price(),
        "scenes": settings.BOOK_SCENES,
        # Cover, dedication, then each scene's colored page and page to color.
        "last_page": 2 + 2 * settings.BOOK_SCENES,
        "preview_days": settings.PREVIEW_MAX_AGE_DAYS,
        "link_days": settings.DOWNLOAD_LINK_MAX_AGE // (24 * 3600),
        "preview_redraws": settings.PREVIEW_REDRAWS,
    }
    return render(request, f"pages/{page}.html", context)


@never_cache
@require_GET
def order_status_json(request: HttpRequest, token: str) -> JsonResponse:
    order = _order_or_404(token)
    return JsonResponse(selectors.order_status(order))


@require_GET
def order_page_image(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """A small JPEG of page `number` as drawn so far (its colored picture):
    reachable only through the order's token."""
    order = _order_or_404(token)
    name = job_selectors.page_drawn(order.job, number) if order.job is not None else None
    if not name:
        raise Http404
    image = thumbnail(name, THUMBNAIL_PIXELS)
    return jpeg_response(request, image.data, image.digest, max_age=IMAGE_MAX_AGE)


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
    stripe_webhooks.stripe_event_process(event=event)
    return HttpResponse(status=200)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 or 503 for load balancers; the details (database, worker
    heartbeat, queue) only for signed-in staff, as they describe the shop's
    insides to whoever asks."""
    report = health_report()
    # Staff as the admin judges them (a session without the second factor,
    # when STAFF_REQUIRE_2FA asks for one, is not let in there either).
    body = report if admin.site.has_permission(request) else {"ok": report["ok"]}
    return JsonResponse(body, status=200 if report["ok"] else 503)
