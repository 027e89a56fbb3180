from django.contrib import admin

from generator.models import Job
from orders.models import Order, SentEmail, StripeEvent


class JobInline(admin.StackedInline):
    model = Job
    extra = 0
    can_delete = False
    fields = ("status", "attempts", "images_done", "api_calls", "api_retries", "started_at", "finished_at", "error")
    readonly_fields = fields
    show_change_link = True


class SentEmailInline(admin.TabularInline):
    model = SentEmail
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "sent_at", "resends", "attached_pdf")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "email", "theme", "child_name", "status", "price_display", "problem")
    list_filter = ("status", "age_group", "paper_size", "created_at")
    search_fields = ("email", "token", "theme", "child_name", "stripe_session_id")
    date_hierarchy = "created_at"
    readonly_fields = (
        "token", "email", "theme", "child_name", "age_group", "paper_size", "amount_cents", "currency",
        "status", "problem", "stripe_session_id", "stripe_payment_intent", "created_at", "updated_at",
        "paid_at", "delivered_at",
    )  # fmt: skip
    inlines = [JobInline, SentEmailInline]

    def has_add_permission(self, request):
        return False


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "order", "outcome")
    list_filter = ("type",)
    search_fields = ("event_id", "order__token", "order__email")
    readonly_fields = ("event_id", "type", "payload", "received_at", "processed_at", "order", "outcome")

    def has_add_permission(self, request):
        return False
