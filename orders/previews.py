"""Free previews: made for whoever fills in the form, within limits, and
bought as they are.

A preview is the factory's preview job (generator.services.preview_create):
the cover and one scene of the book its brief makes. Here the shop's rules:
how many a client address and an email may ask for a day, what previews may
spend a day, how many other scenes a visitor may ask for, how long an
unordered one is kept, and what an order placed from one buys.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Sum, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext

from bookshop.tokens import readable_token
from generator import services as generator_services
from generator.errors import JobError
from generator.models import Job, JobStatus
from generator.selectors import quota_pause
from orders.locks import transaction_lock
from orders.models import OrderStatus, Preview
from orders.services import UNREADABLE_ADDRESS, OrderError

logger = logging.getLogger(__name__)


class PreviewRefused(OrderError):
    """A preview rule said no; the message is for the visitor."""


class PreviewsPaused(PreviewRefused):
    """Today's spend on previews reached its cap: the form offers the book
    straight away (with the sample pages) until tomorrow."""


def _day_ago():
    return timezone.now() - timedelta(days=1)


def preview_calls(preview: Preview) -> int:
    """The calls a preview cost: its job's so far, or, once ordered, what
    they were then (the job went on to make the whole book)."""
    return preview.api_calls if preview_ordered(preview) else preview.job.api_calls


def preview_cost_micros(preview: Preview) -> int:
    """What Gemini billed for a preview (micro-dollars), kept the same way."""
    return preview.cost_micros if preview_ordered(preview) else preview.job.cost_micros


# The image calls a preview makes: the cover, one line art, its coloring
# (and a text call for the plan, which costs a hundredth of one of them).
PREVIEW_IMAGE_CALLS = 3
# A redraw: another scene's line art and coloring.
REDRAW_IMAGE_CALLS = 2
# One lock for the whole shop, taken first by whatever lets a draw through:
# the day's spend is read and the draw's calls reserved as one step, so two
# requests at once cannot both take the last room under the cap
# (PostgreSQL: an advisory lock; SQLite already runs writers one at a time).
SPEND_LOCK = "preview-spend"


def _estimate_micros(calls: int) -> int:
    return round(calls * settings.GEMINI_CALL_ESTIMATE_CENTS * 10_000)


def _spend_today_micros() -> int:
    """What previews drawn in the last 24 hours cost (micro-dollars): what
    Gemini billed for them (the tokens of each answer at GEMINI_PRICES,
    generator/costs.py; the offline provider costs nothing), and for a
    draw not finished (waiting for the lane, or being drawn) what was
    reserved for it when it was let through, while its bill is less: its
    calls are counted before they are made, or answered. A preview redrawn
    today counts its earlier draws too, erring on the side of the cap."""
    recent = Preview.objects.filter(drawn_at__gte=_day_ago())
    bought = Q(orders__paid_at__isnull=False)
    drawing = Q(job__status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
    billed = F("job__cost_micros")
    cost = Case(When(drawing, then=Greatest(billed, F("reserved_micros"))), default=billed)
    unordered = recent.exclude(bought).aggregate(cost=Sum(cost))["cost"] or 0
    ordered = recent.filter(bought).distinct().aggregate(cost=Sum("cost_micros"))["cost"] or 0
    return unordered + ordered


def previews_spend_today_cents() -> float:
    """What previews cost in the last 24 hours, draws under way included
    (_spend_today_micros), in cents."""
    return _spend_today_micros() / 10_000


def _no_room_for(calls: int) -> bool:
    """Whether `calls` more image calls would pass the day's spend cap, or
    Gemini's daily quota is spent (a draw would wait hours for its reset)."""
    if settings.IMAGE_PROVIDER == "offline":
        return False
    cap = settings.PREVIEW_DAILY_SPEND_CENTS * 10_000
    return quota_pause() is not None or _spend_today_micros() + _estimate_micros(calls) > cap


def previews_paused() -> bool:
    """No preview offered: one more would pass the day's spend cap, or
    Gemini's daily quota is spent."""
    return _no_room_for(PREVIEW_IMAGE_CALLS)


def _reservation(calls: int) -> int:
    """What a draw let through now is counted at until it is finished."""
    return 0 if settings.IMAGE_PROVIDER == "offline" else _estimate_micros(calls)


@transaction.atomic
def preview_create(*, email: str, client_ip: str | None, **brief) -> Preview:
    """A preview of the book `brief` makes, queued on the preview lane. At
    most PREVIEWS_PER_ADDRESS_PER_DAY per client address and
    PREVIEWS_PER_EMAIL_PER_DAY per email, counted under a lock so
    concurrent requests are counted one after the other; none while
    previews are paused for the day, decided under SPEND_LOCK with its
    calls reserved in the same transaction."""
    transaction_lock(SPEND_LOCK)
    if previews_paused():
        raise PreviewsPaused(gettext("Free previews are resting for today. You can still order the book."))
    address = None if client_ip == UNREADABLE_ADDRESS else client_ip
    email = email.strip().lower()
    transaction_lock(f"preview-rate:{client_ip}")
    transaction_lock(f"preview-rate:{email}")
    recent = Preview.objects.filter(created_at__gte=_day_ago())
    same_address = recent.filter(client_ip=address) if address else recent.filter(client_ip__isnull=True)
    if client_ip and same_address.count() >= settings.PREVIEWS_PER_ADDRESS_PER_DAY:
        raise PreviewRefused(
            gettext("You've made many previews today. You can still order a book, or come back tomorrow.")
        )
    if recent.filter(email=email).count() >= settings.PREVIEWS_PER_EMAIL_PER_DAY:
        raise PreviewRefused(gettext("This email has had many previews today. You can still order a book."))
    job = generator_services.preview_create(**brief)
    return Preview.objects.create(
        email=email, client_ip=address, job=job, reserved_micros=_reservation(PREVIEW_IMAGE_CALLS), **brief
    )


def preview_ordered(preview: Preview) -> bool:
    """Whether an order paid for this preview's book."""
    return preview.orders.filter(paid_at__isnull=False).exists()


def preview_expired(preview: Preview) -> bool:
    return preview.created_at < timezone.now() - timedelta(days=settings.PREVIEW_MAX_AGE_DAYS)


def preview_for_order(token: str) -> Preview:
    """The preview an order form names, if it can still be bought."""
    # A token that cannot be one (a NUL byte...) names no preview, and never
    # reaches the database, which would refuse it.
    preview = Preview.objects.select_related("job").filter(token=token).first() if readable_token(token) else None
    if preview is None or preview_expired(preview):
        raise PreviewRefused(gettext("This preview has expired. Make a new one, or order the book as it is."))
    if preview_ordered(preview):
        raise PreviewRefused(gettext("This preview was already ordered."))
    return preview


def redraws_left(preview: Preview) -> int:
    return max(0, settings.PREVIEW_REDRAWS - preview.redraws)


def preview_redraw(*, preview: Preview) -> Preview:
    """Another scene of the same book, at most PREVIEW_REDRAWS times, and
    while the day's spend cap has room for its calls (reserved as a new
    preview's are)."""
    with transaction.atomic():
        transaction_lock(SPEND_LOCK)
        preview = Preview.objects.select_for_update().select_related("job").get(pk=preview.pk)
        if preview_expired(preview) or preview_ordered(preview):
            raise PreviewRefused(gettext("This preview can no longer change."))
        if not redraws_left(preview):
            raise PreviewRefused(
                gettext("You've seen every scene we can draw for free. Order the book to see all twelve!")
            )
        if _no_room_for(REDRAW_IMAGE_CALLS):
            raise PreviewsPaused(
                gettext(
                    "Free previews are resting for today, so we can't draw another scene. "
                    "You can still order the book to see all twelve!"
                )
            )
        try:
            generator_services.preview_redraw(job=preview.job)
        except JobError as exc:
            raise PreviewRefused(gettext("Wait for this scene to be finished first.")) from exc
        # The job is finished (preview_redraw checked it, and holds its row):
        # its bill is what it cost before this draw.
        billed = Job.objects.values_list("cost_micros", flat=True).get(pk=preview.job_id)
        preview.redraws += 1
        preview.drawn_at = timezone.now()
        preview.reserved_micros = billed + _reservation(REDRAW_IMAGE_CALLS)
        preview.save(update_fields=["redraws", "drawn_at", "reserved_micros"])
    return preview


# A Stripe Checkout session lasts 24 hours at most (its expires_at is 30
# minutes to 24 hours after it is made, 24 by default), and ours is made
# when the order is placed: past that, a checkout not completed has ended.
CHECKOUT_SESSION_MAX_HOURS = 24


def _checkout_in_progress() -> Q:
    """Previews an order is being paid for: on Stripe's page still (its
    session may not have expired yet), or completed with a delayed payment
    method whose money has not arrived (checkout.session.completed with
    payment_status unpaid, then async_payment_succeeded days later)."""
    pending = Q(orders__status=OrderStatus.PENDING_PAYMENT)
    on_stripes_page = Q(orders__created_at__gte=timezone.now() - timedelta(hours=CHECKOUT_SESSION_MAX_HOURS))
    paying_later = Q(orders__stripe_events__type="checkout.session.completed")
    return pending & (on_stripes_page | paying_later)


def previews_sweep() -> int:
    """Delete previews past PREVIEW_MAX_AGE_DAYS that no paid order bought,
    with their images (the factory's job and files); how many. One bought
    by a checkout in progress is kept until that checkout ends (paid: it is
    the book; expired, cancelled: deleted by the next sweep), so a payment
    makes the book that was previewed. An unpaid order placed from one
    keeps its brief and loses the link."""
    old = Preview.objects.filter(created_at__lt=timezone.now() - timedelta(days=settings.PREVIEW_MAX_AGE_DAYS)).exclude(
        orders__paid_at__isnull=False
    )
    old = old.exclude(pk__in=Preview.objects.filter(_checkout_in_progress()).values("pk"))
    deleted = 0
    for job_id in old.values_list("job_id", flat=True):
        generator_services.job_discard(job_id=job_id)
        deleted += 1
    if deleted:
        logger.info("previews: %d expired, deleted with their images", deleted)
    return deleted


def previews_figures(days: int = 30) -> dict:
    """What staff see above the previews: made, cost, and how many became
    paid orders, over the last `days` days and today."""
    since = timezone.now() - timedelta(days=days)
    recent = Preview.objects.filter(created_at__gte=since)
    made = recent.count()
    ordered = recent.filter(orders__paid_at__isnull=False).distinct().count()
    return {
        "days": days,
        "made": made,
        "ordered": ordered,
        "conversion_percent": round(100 * ordered / made) if made else 0,
        "today_made": Preview.objects.filter(created_at__gte=_day_ago()).count(),
        "today_spend_cents": round(previews_spend_today_cents()),
        "cap_cents": settings.PREVIEW_DAILY_SPEND_CENTS,
    }
