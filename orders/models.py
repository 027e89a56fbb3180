from django.db import models
from django.utils import timezone

from generator.models import BookBrief, Job, new_token
from orders.pricing import price_text


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Waiting for payment"
    PAID = "paid", "Paid"
    QUEUED = "queued", "In the queue"
    GENERATING = "generating", "Drawing the pages"
    RENDERING = "rendering", "Making the PDF"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
    EXPIRED = "expired", "Checkout expired"
    CANCELLED = "cancelled", "Cancelled"


# Every status change of an order goes through orders.services.order_transition,
# which refuses anything not in this table.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.QUEUED, OrderStatus.REFUNDED, OrderStatus.CANCELLED},
    OrderStatus.QUEUED: {OrderStatus.GENERATING, OrderStatus.FAILED, OrderStatus.REFUNDED, OrderStatus.CANCELLED},
    # Back to QUEUED when a worker died and the job waits to be taken over.
    OrderStatus.GENERATING: {
        OrderStatus.RENDERING,
        OrderStatus.QUEUED,
        OrderStatus.FAILED,
        OrderStatus.REFUNDED,
        OrderStatus.CANCELLED,
    },
    OrderStatus.RENDERING: {
        OrderStatus.DELIVERED,
        OrderStatus.QUEUED,
        OrderStatus.FAILED,
        OrderStatus.REFUNDED,
        OrderStatus.CANCELLED,
    },
    # Staff may regenerate pages of a delivered book and deliver it again.
    OrderStatus.DELIVERED: {OrderStatus.QUEUED, OrderStatus.REFUNDED},
    OrderStatus.FAILED: {OrderStatus.QUEUED, OrderStatus.REFUNDED, OrderStatus.CANCELLED},
    # Cancelled when Stripe could not deliver the refund (refund.failed): the
    # order is closed, its money is not back with the parent, staff see why.
    OrderStatus.REFUNDED: {OrderStatus.CANCELLED},
    OrderStatus.EXPIRED: {OrderStatus.PAID},  # a late async payment can still succeed
    # Back to QUEUED only when the chargeback that closed it was won in
    # Stripe (orders.services: a won dispute resumes the book it stopped).
    OrderStatus.CANCELLED: {OrderStatus.REFUNDED, OrderStatus.QUEUED},
}


class Order(BookBrief):
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField()

    # Computed on the server when the order is placed, never taken from the client.
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)

    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT, db_index=True
    )
    # Why the order needs a look (a payment that did not match, a failure).
    problem = models.TextField(blank=True)

    # Where the order was placed from: rate limiting, and staff reviewing abuse.
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    # The book being made for the order, once it is paid (generator's Job).
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.PROTECT, related_name="order")
    # The preview the order buys, when it was placed from one (a checkout
    # abandoned and tried again makes two orders of one preview; the first
    # paid gets its images).
    preview = models.ForeignKey("Preview", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")

    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent = models.CharField(max_length=255, blank=True)
    # The payment's dispute as Stripe last told it (charge.dispute.*): its id
    # and status ("warning_needs_response" for an inquiry, "needs_response",
    # "won", ...), so news older than what we know changes nothing.
    dispute_id = models.CharField(max_length=255, blank=True)
    dispute_status = models.CharField(max_length=40, blank=True)
    # A chargeback closed the order (its book stopped, or never started):
    # winning the dispute makes the book after all.
    dispute_stopped_book = models.BooleanField(default=False)
    # The last refund Stripe could not deliver (refund.failed): its id is
    # recorded once, and a refund tried again uses a new idempotency key.
    failed_refund_id = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # When the parent deleted the order's personal data and images
    # (orders.privacy.order_personal_data_delete); the paid record stays.
    personal_data_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client_ip", "created_at"], name="order_ip_created")]
        # Staff actions that move money or send mail need more than a view.
        permissions = [
            ("refund_order", "Can refund orders through Stripe"),
            ("cancel_order", "Can cancel unpaid orders"),
            ("resend_delivery", "Can send the delivery email again"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.get_status_display()})"

    @property
    def number(self) -> str:
        """The order's reference for people: "CT-000042", its primary key
        zero-padded. Short enough to read over the phone or type in a
        reply, unique and fixed from the moment the order exists, and
        found by staff from the number alone (the admin's id). Never the
        token, which opens the order's page. It does tell how many orders
        the shop has taken, which a shop this size can live with."""
        return f"CT-{self.pk:06d}" if self.pk is not None else ""

    @property
    def price_display(self) -> str:
        """What the order costs, written in its language."""
        return price_text(self.amount_cents, self.currency, self.language)


class Preview(BookBrief):
    """A free preview a visitor asked for: the factory's preview job (the
    cover and one scene of the book this brief makes), who asked, and how
    many times another scene was drawn. An order placed from it buys that
    very job, made into the whole book. Unordered, it is deleted with its
    images after PREVIEW_MAX_AGE_DAYS (orders.previews.previews_sweep)."""

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="preview")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    redraws = models.PositiveSmallIntegerField(default=0)
    # The image and text calls the preview cost, kept when it was ordered
    # (its job goes on to make the whole book, whose calls are the order's).
    api_calls = models.PositiveIntegerField("API calls", default=0)
    # And what they were billed (micro-dollars, generator/costs.py).
    cost_micros = models.PositiveBigIntegerField("cost (micro-dollars)", default=0)
    # The day's spend cap (orders.previews): when its last draw (the first,
    # or a redraw) was let through, and what its job may have cost by the
    # end of that draw (its bill then, and the draw's image calls at
    # GEMINI_CALL_ESTIMATE_CENTS), counted until the draw is finished.
    drawn_at = models.DateTimeField(default=timezone.now, db_index=True)
    reserved_micros = models.PositiveBigIntegerField("reserved (micro-dollars)", default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["client_ip", "created_at"], name="preview_ip_created"),
            models.Index(fields=["email", "created_at"], name="preview_email_created"),
        ]

    def __str__(self) -> str:
        return f"Preview {self.pk} ({self.theme})"


class EmailKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Payment confirmation"
    DELIVERY = "delivery", "Book delivery"
    DELAYED = "delayed", "Book delayed"
    REFUND = "refund", "Refund"
    PAYMENT_FAILED = "payment_failed", "Payment failed"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (staff can retry)"


class SentEmail(models.Model):
    """The outbox: one row per email an order gets, written in the same
    transaction as the change it tells about, and sent after commit by the
    worker's housekeeping thread (orders/outbox.py), never by the web process.

    The unique constraint makes each kind go out once per order, whatever is
    retried or delivered twice; a staff resend of the delivery is a new row
    with the next `sequence`. `message_id` is fixed when the row is written,
    so a send repeated after a crash carries the same Message-ID.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    # 0 for the email itself, n for the n-th resend staff asked for.
    sequence = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the sender may take it next: now, or later after a failure (backoff).
    next_attempt_at = models.DateTimeField(db_index=True)
    # Sends started, counting one cut short by a crash.
    attempts = models.PositiveIntegerField(default=0)
    # When a sender took it (state sending): past OUTBOX_LEASE_SECONDS, the
    # sender is presumed dead and the row is sent again, same Message-ID.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    attached_pdf = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "sequence"], name="one_email_of_each_kind"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]
        # Retrying sends customer mail: more than a view (bookshop/admin_kit.py).
        permissions = [("retry_email", "Can send failed emails again")]

    def __str__(self) -> str:
        resend = f" (resend {self.sequence})" if self.sequence else ""
        return f"{self.get_kind_display()}{resend} for order {self.order_id}"


class StripeEvent(models.Model):
    """Every verified Stripe delivery, unique by event id: a redelivery finds
    its row and changes nothing.

    A refund or dispute can reach us before the payment it is about (Stripe
    does not promise an order). Such an event is kept with awaits_payment set
    and its payment intent; order_fulfill applies it when the payment comes,
    then clears the flag."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events")
    # What handling it did or refused ("amount 500 usd does not match 999 usd",
    # "malformed: amount_total is 'abc', not an amount in cents").
    outcome = models.TextField(blank=True)
    # The payment the event is about, when it names one: how a charge or a
    # dispute finds its order, and how a kept one is found by its payment.
    payment_intent = models.CharField(max_length=255, blank=True)
    awaits_payment = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["payment_intent"], condition=models.Q(awaits_payment=True), name="stripe_event_awaiting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
