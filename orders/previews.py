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
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from bookshop.tokens import readable_token
from generator import services as generator_services
from generator.errors import JobError
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


def previews_spend_today_cents() -> float:
    """What previews cost in the last 24 hours: what Gemini billed for them
    (the tokens of each answer at GEMINI_PRICES, generator/costs.py; the
    offline provider costs nothing), and PREVIEW_IMAGE_CALLS at
    GEMINI_CALL_ESTIMATE_CENTS for each preview still waiting to be drawn,
    so a burst of requests is counted before it is spent."""
    recent = Preview.objects.filter(created_at__gte=_day_ago())
    made = recent.filter(job__provider="gemini")
    bought = Q(orders__paid_at__isnull=False)
    unordered = made.exclude(bought).aggregate(cost=Sum("job__cost_micros"))["cost"] or 0
    ordered = made.filter(bought).distinct().aggregate(cost=Sum("cost_micros"))["cost"] or 0
    waiting = recent.filter(job__provider="").count() if settings.IMAGE_PROVIDER != "offline" else 0
    return (unordered + ordered) / 10_000 + waiting * PREVIEW_IMAGE_CALLS * settings.GEMINI_CALL_ESTIMATE_CENTS


def previews_paused() -> bool:
    """No preview offered: the day's spend cap is reached, or Gemini's daily
    quota is spent (a preview would wait hours for its reset)."""
    if settings.IMAGE_PROVIDER == "offline":
        return False
    return quota_pause() is not None or previews_spend_today_cents() >= settings.PREVIEW_DAILY_SPEND_CENTS


@transaction.atomic
def preview_create(*, email: str, client_ip: str | None, **brief) -> Preview:
    """A preview of the book `brief` makes, queued on the preview lane. At
    most PREVIEWS_PER_ADDRESS_PER_DAY per client address and
    PREVIEWS_PER_EMAIL_PER_DAY per email, counted under a lock so
    concurrent requests are counted one after the other; none while
    previews are paused for the day."""
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
    return Preview.objects.create(email=email, client_ip=address, job=job, **brief)


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
    """Another scene of the same book, at most PREVIEW_REDRAWS times."""
    with transaction.atomic():
        preview = Preview.objects.select_for_update().select_related("job").get(pk=preview.pk)
        if preview_expired(preview) or preview_ordered(preview):
            raise PreviewRefused(gettext("This preview can no longer change."))
        if not redraws_left(preview):
            raise PreviewRefused(
                gettext("You've seen every scene we can draw for free. Order the book to see all twelve!")
            )
        try:
            generator_services.preview_redraw(job=preview.job)
        except JobError as exc:
            raise PreviewRefused(gettext("Wait for this scene to be finished first.")) from exc
        preview.redraws += 1
        preview.save(update_fields=["redraws"])
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
