from django.contrib import admin, messages

from generator import services
from generator.models import Job, JobStatus, Page


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    can_delete = False
    fields = ("index", "scene", "line_art", "colored", "error")
    readonly_fields = fields


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "status", "queued_at", "attempts", "images_done", "api_calls", "duration", "error")
    list_filter = ("status", "queued_at")
    search_fields = ("order__email", "order__token", "order__theme")
    readonly_fields = (
        "order", "status", "queued_at", "attempts", "started_at", "finished_at", "heartbeat_at", "worker",
        "error", "images_done", "api_calls", "api_retries", "provider", "pdf", "pdf_bytes", "render_seconds",
    )  # fmt: skip
    inlines = [PageInline]
    actions = ["retry_failed"]

    @admin.display(description="Duration")
    def duration(self, job: Job) -> str:
        seconds = job.duration_seconds
        return "" if seconds is None else f"{seconds:.0f} s"

    @admin.action(description="Retry selected failed jobs (resume from stored pages)")
    def retry_failed(self, request, queryset):
        retried = sum(services.job_retry(job=job) for job in queryset.filter(status=JobStatus.FAILED))
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} job(s) queued again; {skipped} skipped (not failed).", messages.INFO)

    def has_add_permission(self, request):
        return False
