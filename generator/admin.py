from datetime import UTC, datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from bookshop.admin_kit import StaffPermissions, StaffViewOnly, run_each
from bookshop.downloads import jpeg_response, pdf_download
from generator import selectors, services
from generator.costs import cost_label
from generator.errors import JobError
from generator.models import Job, JobStatus, Page, QuotaPause, RetiredModel
from generator.thumbnails import thumbnail

THUMBNAIL_PIXELS = 240


def _thumbnail_url(page: Page, kind: str) -> str:
    return reverse("admin:generator_page_thumbnail", args=[page.pk, kind])


def _thumbnails(page: Page) -> str:
    cells = [
        (_thumbnail_url(page, kind), label)
        for kind, label in (("line_art", "line art"), ("colored", "colored"))
        if getattr(page, kind)
    ]
    if not cells:
        return "–"
    return format_html_join(
        " ",
        '<img src="{}" alt="{}" width="120" height="120" class="thumb">',
        cells,
    )


class PageInline(StaffViewOnly, admin.TabularInline):
    model = Page
    extra = 0
    fields = ("number", "scene", "images", "error", "replaced")
    readonly_fields = fields

    @admin.display(description="Page")
    def number(self, page: Page) -> int:
        return page.index + 1

    @admin.display(description="Scene replaced")
    def replaced(self, page: Page) -> str:
        if not page.replaced_scene:
            return "–"
        return format_html("Was: {}<br><small>{}</small>", page.replaced_scene, page.replaced_reason)

    @admin.display(description="Line art / colored")
    def images(self, page: Page) -> str:
        return _thumbnails(page)


@admin.register(Job)
class JobAdmin(StaffPermissions, StaffViewOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "book",
        "status",
        "queue_position",
        "progress",
        "attempts",
        "duration",
        "api_calls",
        "api_retries",
        "gemini_cost",
        "peak_rss_mb",
        "short_error",
    )
    list_filter = ("status", "queued_at", "finished_at", "provider")
    search_fields = ("token", "theme", "child_name")
    readonly_fields = (
        "book", "token", "status", "queued_at", "attempts", "started_at", "finished_at", "heartbeat_at", "worker",
        "error", "images_done", "api_calls", "api_retries", "gemini_cost", "provider", "peak_rss_mb", "pdf_bytes",
        "render_seconds", "pages_to_regenerate", "print_shop_pdf", "not_before", "storage_failures",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("book", "token", "status", "error", "images_done", "pages_to_regenerate")}),
        (
            "Timing",
            {
                "fields": (
                    "queued_at",
                    "started_at",
                    "finished_at",
                    "attempts",
                    "heartbeat_at",
                    "worker",
                    "not_before",
                    "storage_failures",
                )
            },
        ),
        ("Cost", {"fields": ("provider", "api_calls", "api_retries", "gemini_cost", "peak_rss_mb")}),
        ("Book", {"fields": ("pdf_bytes", "render_seconds", "print_shop_pdf")}),
    )
    inlines = [PageInline]
    actions = ["retry_failed", "make_print_pdf"]

    @admin.display(description="Book")
    def book(self, job: Job) -> str:
        return f"{job.title} for {job.child_name}" if job.child_name else job.title

    @admin.display(description="In line")
    def queue_position(self, job: Job) -> str:
        position = selectors.queue_position(job)
        return str(position) if position else "–"

    @admin.display(description="Images")
    def progress(self, job: Job) -> str:
        return f"{job.images_done}/{job.images_total}"

    @admin.display(description="Duration")
    def duration(self, job: Job) -> str:
        seconds = job.duration_seconds
        return "–" if seconds is None else f"{seconds:.0f} s"

    @admin.display(description="Gemini cost", ordering="cost_micros")
    def gemini_cost(self, job: Job) -> str:
        return cost_label(job.cost_micros, job.cost_estimated)

    @admin.display(description="Last error")
    def short_error(self, job: Job) -> str:
        return (job.error[:80] + "…") if len(job.error) > 80 else job.error

    @admin.display(description="Regenerate pages")
    def pages_to_regenerate(self, job: Job) -> str:
        url = reverse("admin:generator_page_changelist") + f"?job__id__exact={job.pk}"
        return format_html('<a href="{}">Choose pages to draw again…</a>', url)

    @admin.display(description="Print-shop PDF")
    def print_shop_pdf(self, job: Job) -> str:
        if job.print_pdf:
            url = reverse("admin:generator_job_print_pdf", args=[job.pk])
            return format_html('<a href="{}">Download (bleed and crop marks)</a>', url)
        if job.print_pdf_requested_at:
            return "Being made by the worker…"
        return "Not made: use the action “Make the print-shop PDF”."

    @admin.action(description="Make the print-shop PDF (bleed and crop marks)", permissions=["print_pdf"])
    def make_print_pdf(self, request, queryset: QuerySet[Job]):
        run_each(
            self,
            request,
            queryset,
            lambda job: services.print_pdf_request(job=job),
            done="the worker is making the print-shop PDF",
            level=messages.INFO,
            errors=(JobError,),
        )

    def print_pdf_view(self, request, job_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(Job, pk=job_id)
        if not job.print_pdf:
            raise Http404
        return pdf_download(job.print_pdf.name, f"coloring-book-{job.token[:8]}-print.pdf")

    @admin.action(description="Retry selected failed jobs (resume from stored pages)", permissions=["retry"])
    def retry_failed(self, request, queryset: QuerySet[Job]):
        retried = sum(services.job_retry(job=job) for job in queryset.filter(status=JobStatus.FAILED))
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} job(s) queued again; {skipped} skipped (not failed).", messages.INFO)

    def get_urls(self):
        urls = [
            path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="generator_queue_dashboard"),
            path(
                "<int:job_id>/print.pdf",
                self.admin_site.admin_view(self.print_pdf_view),
                name="generator_job_print_pdf",
            ),
        ]
        return urls + super().get_urls()

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Queue dashboard",
            "figures": selectors.queue_dashboard(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/generator/queue_dashboard.html", context)


@admin.register(Page)
class PageAdmin(StaffPermissions, StaffViewOnly, admin.ModelAdmin):
    list_display = ("__str__", "scene", "images", "error")
    list_filter = ("job__status",)
    search_fields = ("job__token", "job__theme", "scene")
    list_select_related = ("job",)
    readonly_fields = ("job", "index", "scene", "images", "error")
    exclude = ("line_art", "colored")
    actions = ["regenerate"]

    @admin.display(description="Line art / colored")
    def images(self, page: Page) -> str:
        return _thumbnails(page)

    @admin.action(
        description="Draw the selected pages again, rebuild the PDF and deliver it again", permissions=["regenerate"]
    )
    def regenerate(self, request, queryset: QuerySet[Page]):
        by_job: dict[int, list[int]] = {}
        for page in queryset:
            by_job.setdefault(page.job_id, []).append(page.pk)
        run_each(
            self,
            request,
            Job.objects.filter(pk__in=list(by_job)).order_by("pk"),
            lambda job: services.pages_regenerate(job=job, page_ids=by_job[job.pk]),
            done="{} page(s) queued to be drawn again",
            errors=(JobError,),
        )

    def get_urls(self):
        urls = [
            path(
                "<int:page_id>/thumbnail/<str:kind>/",
                self.admin_site.admin_view(self.thumbnail_view),
                name="generator_page_thumbnail",
            )
        ]
        return urls + super().get_urls()

    @staticmethod
    def thumbnail_view(request, page_id: int, kind: str):
        if not request.user.has_perm("generator.view_page"):
            raise PermissionDenied
        if kind not in ("line_art", "colored"):
            raise Http404
        page = get_object_or_404(Page, pk=page_id)
        field = getattr(page, kind)
        if not field:
            raise Http404
        image = thumbnail(field.name, THUMBNAIL_PIXELS)
        return jpeg_response(request, image.data, image.digest, max_age=300)


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@admin.register(RetiredModel)
class RetiredModelAdmin(admin.ModelAdmin):
    """Models Google retired, skipped by every host. Deleting a row
    un-retires the model: its next call tries it again (one call, retired
    again if Google still answers NOT_FOUND). No expiry: Google never brings
    a shut-down name back, and an expiry would pay that call again and again."""

    list_display = ("name", "setting", "retired", "reason")
    readonly_fields = ("name", "setting", "retired", "reason")
    exclude = ("retired_at",)

    @admin.display(description="Retired", ordering="retired_at")
    def retired(self, row: RetiredModel) -> str:
        return _utc(row.retired_at)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QuotaPause)
class QuotaPauseAdmin(admin.ModelAdmin):
    """The per-day quota pause. Deleting it resumes the books at once (after
    raising the quota at Google); else they resume at the quota's reset."""

    list_display = ("name", "resumes", "model", "quota_id")
    readonly_fields = ("name", "resumes", "paused", "model", "quota_id", "reason")
    exclude = ("resumes_at", "paused_at")

    @admin.display(description="Books resume at", ordering="resumes_at")
    def resumes(self, row: QuotaPause) -> str:
        return _utc(row.resumes_at)

    @admin.display(description="Paused at", ordering="paused_at")
    def paused(self, row: QuotaPause) -> str:
        return _utc(row.paused_at)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
