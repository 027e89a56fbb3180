from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html

from bookshop.admin_kit import StaffPermissions, StaffViewOnly, YesNoFilter, run_each
from generator import selectors as generator_selectors
from generator import services as generator_services
from generator.admin import JobAdmin
from generator.costs import cost_label
from generator.models import Job, JobStatus
from orders import outbox, payments, previews, services, stripe_webhooks
from orders.models import EmailState, Order, Preview, SentEmail, StripeEvent


class SentEmailInline(StaffViewOnly, admin.TabularInline):
    model = SentEmail
    extra = 0
    fields = ("kind", "sequence", "state", "attempts", "sent_at", "next_attempt_at", "last_error", "attached_pdf")
    readonly_fields = fields


class StripeEventInline(StaffViewOnly, admin.TabularInline):
    model = StripeEvent
    extra = 0
    fields = ("received_at", "type", "event_id", "outcome")
    readonly_fields = fields


class NeedsAttentionFilter(YesNoFilter):
    """Orders with a problem noted: a payment that matched nothing, a
    payment for a closed order, a dispute or an inquiry, a refund Stripe
    could not deliver, a failure."""

    title = "needs attention"
    parameter_name = "needs_attention"
    condition = ~Q(problem="")


@admin.register(Order)
class OrderAdmin(StaffPermissions, StaffViewOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "email",
        "theme",
        "status",
        "queue_position",
        "progress",
        "attempts",
        "duration",
        "cost",
        "gemini_cost",
        "problem",
    )
    list_filter = (NeedsAttentionFilter, "status", "created_at", "paid_at", "age_group", "paper_size")
    search_fields = ("email", "token", "theme", "child_name", "stripe_session_id", "stripe_payment_intent")
    date_hierarchy = "created_at"
    list_select_related = ("job",)
    readonly_fields = (
        "token", "status_page", "email", "theme", "child_name", "age_group", "paper_size", "child_kind", "hair_color",
        "hair_style", "skin_tone", "glasses", "dedication", "amount_cents", "currency",
        "status", "problem", "client_ip", "stripe_session_id", "stripe_payment_intent", "dispute_id", "dispute_status",
        "dispute_stopped_book", "failed_refund_id", "created_at", "updated_at", "paid_at", "delivered_at",
        "refunded_at", "book",
    )  # fmt: skip
    inlines = [SentEmailInline, StripeEventInline]
    actions = ["retry_failed_jobs", "resend_delivery", "refund", "cancel_unpaid"]

    @admin.display(description="Book")
    def book(self, order: Order) -> str:
        job = order.job
        if job is None:
            return "–"
        url = reverse("admin:generator_job_change", args=[job.pk])
        return format_html(
            '<a href="{}">Job {}</a>: {}, {}/{} images, attempt {}',
            url, job.pk, job.get_status_display(), job.images_done, job.images_total, job.attempts,
        )  # fmt: skip

    @admin.display(description="Status page")
    def status_page(self, order: Order) -> str:
        url = reverse("orders:status", args=[order.token])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description="In line")
    def queue_position(self, order: Order) -> str:
        job = order.job
        position = generator_selectors.queue_position(job) if job else 0
        return str(position) if position else "–"

    @admin.display(description="Images")
    def progress(self, order: Order) -> str:
        job = order.job
        return f"{job.images_done}/{job.images_total}" if job else "–"

    @admin.display(description="Attempts")
    def attempts(self, order: Order) -> str:
        job = order.job
        return str(job.attempts) if job else "–"

    @admin.display(description="Duration")
    def duration(self, order: Order) -> str:
        job = order.job
        seconds = job.duration_seconds if job else None
        return "–" if seconds is None else f"{seconds:.0f} s"

    @admin.display(description="API calls (retries)")
    def cost(self, order: Order) -> str:
        job = order.job
        return f"{job.api_calls} ({job.api_retries})" if job else "–"

    @admin.display(description="Gemini cost")
    def gemini_cost(self, order: Order) -> str:
        job = order.job
        return cost_label(job.cost_micros, job.cost_estimated) if job else "–"

    @admin.action(description="Retry failed jobs (resume from the stored pages)", permissions=["retry"])
    def retry_failed_jobs(self, request, queryset: QuerySet[Order]):
        jobs = Job.objects.filter(order__in=queryset, status=JobStatus.FAILED)
        retried = sum(generator_services.job_retry(job=job) for job in jobs)
        self.message_user(request, f"{retried} job(s) queued again.", messages.SUCCESS if retried else messages.WARNING)

    @admin.action(description="Resend the delivery email (with a fresh download link)", permissions=["resend_delivery"])
    def resend_delivery(self, request, queryset: QuerySet[Order]):
        run_each(
            self,
            request,
            queryset.select_related("job"),
            lambda order: services.order_delivery_resend(order=order),
            done="delivery email queued again; the worker sends it within seconds",
            errors=(services.OrderError,),
        )

    @admin.action(description="Cancel and refund through Stripe", permissions=["refund"])
    def refund(self, request, queryset: QuerySet[Order]):
        reason = f"Refunded by {request.user}."
        run_each(
            self,
            request,
            queryset,
            lambda order: services.order_refund(order_id=order.pk, reason=reason)[1],
            errors=(services.OrderError, payments.PaymentError),
        )

    @admin.action(description="Cancel unpaid orders", permissions=["cancel"])
    def cancel_unpaid(self, request, queryset: QuerySet[Order]):
        reason = f"Cancelled by {request.user}."
        run_each(
            self,
            request,
            queryset,
            lambda order: services.order_cancel(order_id=order.pk, reason=reason)[1],
            errors=(services.OrderError,),
        )


class MalformedFilter(YesNoFilter):
    """Signed events whose contents the shop could not read."""

    title = "malformed"
    parameter_name = "malformed"
    condition = Q(outcome__startswith="malformed:")


class OtherModeFilter(YesNoFilter):
    """Events of the other mode than the key's (a live event on a test key,
    or the reverse): recorded, and nothing else done."""

    title = "other mode"
    parameter_name = "other_mode"
    condition = Q(outcome__startswith=stripe_webhooks.OTHER_MODE) & Q(outcome__endswith=" key")


class FailingFilter(admin.SimpleListFilter):
    title = "failing"
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", "Failing (failed, or retrying after an error)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=outbox.outbox_failing().values("pk"))
        return queryset


@admin.register(SentEmail)
class SentEmailAdmin(StaffPermissions, StaffViewOnly, admin.ModelAdmin):
    """The outbox: what was sent, what waits, and what keeps failing."""

    list_display = ("id", "order", "kind", "sequence", "state", "failing", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("state", FailingFilter, "kind", "created_at")
    search_fields = ("order__email", "order__token", "message_id")
    list_select_related = ("order",)
    readonly_fields = (
        "order", "kind", "sequence", "message_id", "state", "created_at", "next_attempt_at", "attempts",
        "claimed_at", "sent_at", "last_error", "attached_pdf",
    )  # fmt: skip
    actions = ["retry"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Failing", boolean=True)
    def failing(self, email: SentEmail) -> bool:
        return email.state == EmailState.FAILED or (email.state == EmailState.PENDING and email.attempts > 0)

    @admin.action(description="Retry failed emails now", permissions=["retry_email"])
    def retry(self, request, queryset: QuerySet[SentEmail]):
        retried = sum(outbox.outbox_retry(email=email) for email in queryset)
        level = messages.SUCCESS if retried else messages.WARNING
        self.message_user(
            request, f"{retried} failed email(s) queued again; the worker sends them within seconds.", level
        )


@admin.register(StripeEvent)
class StripeEventAdmin(StaffViewOnly, admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "livemode", "order", "awaits_payment", "outcome")
    list_filter = (MalformedFilter, OtherModeFilter, "awaits_payment", "type", "received_at")
    search_fields = ("event_id", "payment_intent", "order__token", "order__email")
    readonly_fields = (
        "event_id", "type", "payload", "received_at", "processed_at", "order", "payment_intent", "awaits_payment",
        "outcome",
    )  # fmt: skip

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Live", boolean=True)
    def livemode(self, event: StripeEvent) -> bool | None:
        live = event.payload.get("livemode") if isinstance(event.payload, dict) else None
        return live if isinstance(live, bool) else None


# The factory's admin knows no order; the shop's shows, for each job, the
# order it was made for.
admin.site.unregister(Job)


@admin.register(Job)
class ShopJobAdmin(JobAdmin):
    list_display = (*JobAdmin.list_display[:2], "order_link", *JobAdmin.list_display[2:])
    search_fields = (*JobAdmin.search_fields, "order__email", "order__token")
    list_select_related = ("order",)
    readonly_fields = ("order_link", *JobAdmin.readonly_fields)
    actions = [*JobAdmin.actions[:1], "resend_delivery", *JobAdmin.actions[1:]]
    fieldsets = (
        (None, {"fields": ("order_link", *JobAdmin.fieldsets[0][1]["fields"])}),
        *JobAdmin.fieldsets[1:],
    )

    @admin.display(description="Order")
    def order_link(self, job: Job) -> str:
        order = getattr(job, "order", None)
        if order is None:
            return "–"
        url = reverse("admin:orders_order_change", args=[order.pk])
        return format_html('<a href="{}">{} ({})</a>', url, order.email, order.theme)

    @admin.action(description="Resend the delivery email", permissions=["resend_delivery"])
    def resend_delivery(self, request, queryset: QuerySet[Job]):
        def resend(job: Job) -> None:
            order = getattr(job, "order", None)
            if order is None:
                raise services.OrderError("no order: this book was not made for a customer")
            services.order_delivery_resend(order=order)

        run_each(
            self,
            request,
            queryset.select_related("order"),
            resend,
            done="delivery email queued again",
            errors=(services.OrderError,),
        )


@admin.register(Preview)
class PreviewAdmin(StaffViewOnly, admin.ModelAdmin):
    """Free previews: who asked, what they cost, and which became orders."""

    list_display = ("id", "created_at", "email", "theme", "status", "redraws", "calls", "gemini_cost", "ordered")
    list_filter = ("created_at",)
    search_fields = ("email", "token", "theme", "child_name")
    date_hierarchy = "created_at"
    list_select_related = ("job",)
    readonly_fields = (
        "token", "email", "client_ip", "created_at", "redraws", "api_calls", "gemini_cost", "job", "theme",
        "child_name", "age_group", "paper_size", "child_kind", "hair_color", "hair_style", "skin_tone", "glasses",
        "dedication",
    )  # fmt: skip

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Status")
    def status(self, preview: Preview) -> str:
        return (
            generator_selectors.preview_progress(preview.job)["status"] if preview.job.kind == "preview" else "ordered"
        )

    @admin.display(description="API calls")
    def calls(self, preview: Preview) -> int:
        return previews.preview_calls(preview)

    @admin.display(description="Gemini cost")
    def gemini_cost(self, preview: Preview) -> str:
        return cost_label(previews.preview_cost_micros(preview))

    @admin.display(description="Ordered", boolean=True)
    def ordered(self, preview: Preview) -> bool:
        return previews.preview_ordered(preview)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "figures": previews.previews_figures()})
