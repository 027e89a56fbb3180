import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from generator.text import book_title


def new_token() -> str:
    # 32 url-safe characters (192 bits): unguessable, and never an id.
    return secrets.token_urlsafe(24)


class AgeGroup(models.TextChoices):
    TODDLER = "toddler", _("Toddlers (2–4)")
    KIDS = "kids", _("Kids (5–8)")
    TWEENS = "tweens", _("Tweens (9–12)")


class PaperSize(models.TextChoices):
    LETTER = "letter", _("US Letter")
    A4 = "a4", _("A4")


class ChildKind(models.TextChoices):
    CHILD = "child", _("Just “child”")
    GIRL = "girl", _("Girl")
    BOY = "boy", _("Boy")


class HairColor(models.TextChoices):
    BLACK = "black", pgettext_lazy("hair color", "Black")
    BROWN = "brown", pgettext_lazy("hair color", "Brown")
    BLONDE = "blonde", pgettext_lazy("hair color", "Blonde")
    RED = "red", pgettext_lazy("hair color", "Red")


class HairStyle(models.TextChoices):
    SHORT = "short", pgettext_lazy("hair style", "Short")
    LONG = "long", pgettext_lazy("hair style", "Long")
    CURLY = "curly", pgettext_lazy("hair style", "Curly")
    PONYTAIL = "ponytail", pgettext_lazy("hair style", "Ponytail")


class SkinTone(models.TextChoices):
    TONE_1 = "1", pgettext_lazy("skin tone", "Light")
    TONE_2 = "2", pgettext_lazy("skin tone", "Light medium")
    TONE_3 = "3", pgettext_lazy("skin tone", "Medium")
    TONE_4 = "4", pgettext_lazy("skin tone", "Medium deep")
    TONE_5 = "5", pgettext_lazy("skin tone", "Deep")


class Language(models.TextChoices):
    """The languages a book (and the shop) speaks; each named in itself."""

    EN = "en", "English"
    FR = "fr", "Français"


DEDICATION_MAX_LENGTH = 160


class BookBrief(models.Model):
    """What a book is made from: its theme, the child it is for and how the
    child looks (each look left blank is chosen by the book's seed), the age
    group, the paper, and the dedication printed up front. A Job holds one;
    a client (an order) keeps the one it asked for."""

    theme = models.CharField(max_length=120)
    child_name = models.CharField(max_length=40, blank=True)
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, default=AgeGroup.KIDS)
    paper_size = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.LETTER)
    child_kind = models.CharField(max_length=10, choices=ChildKind.choices, default=ChildKind.CHILD)
    hair_color = models.CharField(max_length=10, choices=HairColor.choices, blank=True)
    hair_style = models.CharField(max_length=10, choices=HairStyle.choices, blank=True)
    skin_tone = models.CharField(max_length=2, choices=SkinTone.choices, blank=True)
    glasses = models.BooleanField(default=False)
    dedication = models.CharField(max_length=DEDICATION_MAX_LENGTH, blank=True)
    # The book's language: its title page, captions, dedication and closing pages.
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)

    BRIEF_FIELDS = (
        "theme", "child_name", "age_group", "paper_size", "child_kind", "hair_color", "hair_style", "skin_tone",
        "glasses", "dedication", "language",
    )  # fmt: skip

    class Meta:
        abstract = True

    def brief_fields(self) -> dict:
        """The brief as keyword arguments (generator.services.job_create)."""
        return {name: getattr(self, name) for name in self.BRIEF_FIELDS}

    @property
    def title(self) -> str:
        return book_title(self.theme)


class JobKind(models.TextChoices):
    BOOK = "book", "Book"
    PREVIEW = "preview", "Preview"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Job(BookBrief):
    """The making of one book from its brief (BookBrief), for whoever asked: the factory knows no order. This table,
    not django-q2's queue, is the truth: a worker claims a job here, keeps
    its heartbeat fresh, and a job whose heartbeat goes stale is taken over
    by the next worker. What happens to a job is told through
    generator.signals."""

    # The job's own key: where its images are stored, and the seed of the
    # offline provider's drawings (the same brief draws the same book).
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # A preview draws the cover and one scene of the book's plan, on its own
    # lane (generator/lanes.py); made into a book, it keeps every image.
    kind = models.CharField(max_length=10, choices=JobKind.choices, default=JobKind.BOOK, db_index=True)
    # The scene a preview shows (0-based); another scene on each redraw.
    preview_scene = models.PositiveSmallIntegerField(default=0)
    # The cover's picture (colored), drawn for the cover only.
    cover = models.ImageField(upload_to="covers/", blank=True)

    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    # The queue order: set when the job is (re)queued.
    queued_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    # Not claimed before this (storage refused to write: generator.queue.job_storage_requeue).
    not_before = models.DateTimeField(null=True, blank=True)
    # Attempts that storage refused to write: the host's fault, not counted in
    # `attempts`, bounded by STORAGE_MAX_RETRIES.
    storage_failures = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)

    # Progress: images persisted so far, out of 2 per scene.
    images_done = models.PositiveIntegerField("images stored", default=0)
    # Cost: image and text calls made to the provider, and how many were retries.
    api_calls = models.PositiveIntegerField("API calls", default=0)
    api_retries = models.PositiveIntegerField("API retries", default=0)
    # What the provider billed, in millionths of a US dollar: the tokens of
    # each answer at GEMINI_PRICES (generator/costs.py); `cost_estimated`
    # answers counted no tokens and were charged GEMINI_CALL_ESTIMATE_CENTS.
    cost_micros = models.PositiveBigIntegerField("cost (micro-dollars)", default=0)
    cost_estimated = models.PositiveIntegerField("answers with an estimated cost", default=0)
    provider = models.CharField(max_length=20, blank=True)

    # Peak resident memory of the worker process when this job ended (MB):
    # what the dashboard sizes BOOK_WORKERS from.
    peak_rss_mb = models.PositiveIntegerField("peak memory (MB)", null=True, blank=True)

    pdf = models.FileField(upload_to="books/", blank=True)
    # The print-shop version (bleed and crop marks), made when staff ask.
    print_pdf = models.FileField(upload_to="books/print/", blank=True)
    print_pdf_requested_at = models.DateTimeField(null=True, blank=True)
    pdf_bytes = models.PositiveIntegerField("PDF size (bytes)", default=0)
    render_seconds = models.FloatField(null=True, blank=True)
    # When its client had its files and brief deleted (services.job_files_delete):
    # from then on nothing is stored for it, whatever calls were still out
    # (generator.jobfiles).
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        # Staff actions that spend on images or rebuild books need more than a view.
        permissions = [
            ("retry_job", "Can retry failed jobs"),
            ("regenerate_pages", "Can draw chosen pages again"),
            ("make_print_pdf", "Can make the print-shop PDF"),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status})"

    @property
    def images_total(self) -> int:
        return settings.BOOK_SCENES * 2

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


def page_upload_to(page: "Page", filename: str) -> str:
    return f"jobs/{page.job.token}/{filename}"


class Page(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="pages")
    index = models.PositiveSmallIntegerField()
    scene = models.TextField()
    line_art = models.ImageField(upload_to=page_upload_to, blank=True)
    colored = models.ImageField(upload_to=page_upload_to, blank=True)
    error = models.TextField(blank=True)
    # The scene planned first, when a safety filter withheld its picture and
    # the planner wrote `scene` in its place; and why (for staff).
    replaced_scene = models.TextField(blank=True)
    replaced_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_page_per_scene")]

    def __str__(self) -> str:
        return f"Page {self.index + 1} of job {self.job_id}"


class WorkerHeartbeat(models.Model):
    """Last sign of life of each worker process, for /healthz and the dashboard."""

    worker = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker


class RateBudget(models.Model):
    """The shop-wide Gemini request schedule when there is no Redis: the
    time (epoch seconds) of the next free slot. Read and written by
    generator/ratebudget.py in plain SQL, under a row lock."""

    name = models.CharField(max_length=40, primary_key=True)
    next_at = models.FloatField(default=0)

    def __str__(self) -> str:
        return self.name


class RetiredModel(models.Model):
    """A Gemini model Google no longer serves (it answered NOT_FOUND, or that
    it does not support the request), remembered shop-wide: every host skips
    it for the next model of its list (generator/geministate.py writes it in
    plain SQL). Staff un-retire a model by deleting its row in the admin."""

    name = models.CharField(max_length=120, primary_key=True)
    # Epoch seconds, as generator/geministate.py writes them in plain SQL.
    retired_at = models.FloatField()
    reason = models.TextField(blank=True)
    # The setting whose list it was in, for the staff message.
    setting = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-retired_at"]
        verbose_name = "retired Gemini model"

    def __str__(self) -> str:
        return self.name


class QuotaPause(models.Model):
    """The shop-wide pause after a per-day Gemini quota answer: until
    `resumes_at` (epoch seconds: the quota's reset) no lane claims a book or
    a preview. Written by generator/geministate.py in plain SQL; staff may
    delete the row to resume at once (after raising the quota)."""

    name = models.CharField(max_length=40, primary_key=True)
    resumes_at = models.FloatField()
    paused_at = models.FloatField()
    reason = models.TextField(blank=True)
    model = models.CharField(max_length=120, blank=True)
    quota_id = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "Gemini quota pause"

    def __str__(self) -> str:
        return self.name
