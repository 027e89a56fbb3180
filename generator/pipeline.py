"""One claimed job, from scenes to stored PDF, resuming from whatever is stored.

Calls run in a thread pool, as many at once as the book's share of the
host's call slots (HOST_API_CALLS split among the books running, at most
GENERATION_CONCURRENCY): the plan with the cover, then every page's line
art, a page's coloring going ahead of any line art still to draw, so it
starts as soon as a call is free after its line art arrives. Threads only talk to the provider;
this thread stores each image as it arrives and writes the database, so only
the images of the calls in flight (and line art waiting for its coloring, at
most one per call) are ever held in memory.
"""

import json
import logging
import resource
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookshop.dbconnections import connection_give_back
from generator import geministate, jobfiles, queue, selectors, signals
from generator.errors import JobCancelled, StorageUnavailable
from generator.heartbeat import Heartbeat
from generator.hostlimits import HostShare
from generator.imagetypes import image_type
from generator.models import Job, JobKind, JobStatus, Page
from generator.providers import (
    Appearance,
    Brief,
    CallsStopped,
    ImageProvider,
    ImageRefused,
    ProviderError,
    QuotaPaused,
    Usage,
    provider_get,
)
from generator.thumbnails import screen_images_delete

logger = logging.getLogger(__name__)

LINE_ART = "line_art"
COLORED = "colored"
COVER = "cover"
REPLACEMENT = "replacement"  # a new scene for a page whose picture was withheld


def brief_for(job: Job) -> Brief:
    return Brief(
        theme=job.theme,
        child_name=job.child_name,
        age_group=job.age_group,
        seed=job.token,
        size=settings.BOOK_IMAGE_SIZE,
        appearance=Appearance(
            kind=job.child_kind,
            hair_color=job.hair_color,
            hair_style=job.hair_style,
            skin_tone=job.skin_tone,
            glasses=job.glasses,
        ),
        language=job.language,
    )


def pages_store(*, job: Job, scenes: list[str]) -> list[Page]:
    """The plan's pages, one per scene (pages already there are kept)."""
    if len(scenes) != settings.BOOK_SCENES:
        raise ProviderError(f"Scene planning returned {len(scenes)} scenes, not {settings.BOOK_SCENES}.")
    with transaction.atomic():
        # Scenes may name the child: none is written for a job whose client deleted it.
        if not jobfiles.job_files_kept(job.pk):
            raise JobCancelled(f"job {job.pk}: its client deleted its data")
        for index, scene in enumerate(scenes):
            Page.objects.get_or_create(job=job, index=index, defaults={"scene": scene})
    return list(job.pages.order_by("index"))


def page_image_store(*, page: Page, kind: str, data: bytes, recorder: "UsageRecorder | None" = None) -> bool:
    """Write one image to storage and record it, the moment it exists;
    dropped if the job's files were deleted meanwhile (generator.jobfiles).
    Whether it was kept."""
    name = jobfiles.job_file_store(
        job_id=page.job_id,
        name=f"{jobfiles.job_folder(page.job)}/{page.index + 1:02d}-{kind}.{image_type(data).extension}",
        data=data,
        record=lambda stored: Page.objects.filter(pk=page.pk).update(**{kind: stored, "error": ""}),
    )
    if name is None:
        if recorder is not None:
            recorder.flush()
        return False
    setattr(page, kind, name)
    images = queue.images_recount(page.job_id)
    signals.job_progressed.send(
        sender=Job, job=page.job, stage=signals.DRAWING, images_done=images, images_total=page.job.images_total
    )
    if recorder is not None:
        recorder.flush()
    return True


def page_scene_replace(*, page: Page, scene: str, reason: str) -> None:
    """Give a page the scene the planner wrote in place of one whose picture
    a safety filter withheld: its images (of the old scene) are dropped, the
    old scene and the reason are kept for staff."""
    for kind in (LINE_ART, COLORED):
        if name := getattr(page, kind).name:
            # Its screen-size copies too: the new scene's image may be stored
            # under the same name, and must not be shown as the old one.
            screen_images_delete(name)
            default_storage.delete(name)
    Page.objects.filter(pk=page.pk).update(
        scene=scene, replaced_scene=page.scene, replaced_reason=reason, line_art="", colored="", error=""
    )
    logger.info("job %s: page %s scene replaced (%s)", page.job_id, page.index + 1, reason)
    page.replaced_scene, page.replaced_reason, page.scene = page.scene, reason, scene
    page.line_art = page.colored = ""


def cover_store(*, job: Job, data: bytes, recorder: "UsageRecorder | None" = None) -> None:
    """Write the cover's picture to storage and record it, the moment it
    exists; dropped if the job's files were deleted meanwhile."""
    name = jobfiles.job_file_store(
        job_id=job.pk,
        name=f"{jobfiles.job_folder(job)}/00-cover.{image_type(data).extension}",
        data=data,
        record=lambda stored: Job.objects.filter(pk=job.pk).update(cover=stored),
    )
    if name is not None:
        job.cover = name
    if recorder is not None:
        recorder.flush()


# How long the pipeline waits for a call to finish before it looks again
# whether the job was stopped (and what the other books on the host want):
# a stop is acted on within this.
STOP_POLL_SECONDS = 0.25
PLAN = "plan"


def _stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def pages_draw(
    *,
    job: Job,
    provider: ImageProvider,
    brief: Brief,
    pages: list[Page] | None,
    check: Callable[[], None],
    recorder: "UsageRecorder | None" = None,
    cover: bool = False,
    choose: Callable[[list[Page]], list[Page]] | None = None,
) -> None:
    """Draw what is missing: the scenes' plan first when `pages` is None
    (its pages then go through `choose`, e.g. a preview's one scene), the
    cover's picture with `cover`, then each page's line art and coloring.

    Everything that can go out goes out at once, as many calls as this
    book's share of the host's call slots allows (hostlimits.HostShare, at
    most GENERATION_CONCURRENCY): the plan and the cover together, then
    every page's line art, a page's coloring going ahead of any line art
    still to draw. A provider that draws line art after the cover
    (`draws_from_cover`) gets the cover as every line-art call's reference,
    so line art waits for it: the child looks the same on every page, and
    the book still takes three calls one after another (plan and cover,
    line art, coloring).

    A page that fails does not stop the others; the first failure is raised
    once every other page is stored. A page whose picture a safety filter
    withheld (ImageRefused, for its line art or its coloring) gets a new
    scene from the planner and is drawn again from its line art: once a
    page, BOOK_SCENE_REPLACEMENTS pages a book. If something else goes wrong
    (the job is cancelled, the database fails), nothing more is asked and
    the images already paid for are still stored. `check` raises once the job is stopped;
    it is called before every call submitted and at least every
    STOP_POLL_SECONDS while calls are in flight."""
    most = max(1, settings.GENERATION_CONCURRENCY)
    failures: list[ProviderError] = []
    pool = ThreadPoolExecutor(max_workers=most, thread_name_prefix=f"job{job.pk}")
    in_flight: dict[Future, tuple[str, Page | None]] = {}
    planning = pages is None
    plan_sent = False
    cover_to_draw = cover
    # Once the day's quota is spent, nothing more is asked.
    paused = False
    # Line art waits for the cover when the provider draws from it.
    waiting_for_cover = cover and provider.draws_from_cover
    if provider.draws_from_cover and not cover and job.cover:
        provider.reference_keep(brief, _stored_bytes(job.cover.name))
    # Line art waiting to be colored (bytes, or None when it is in storage),
    # and pages still without line art.
    to_color: deque[tuple[Page, bytes | None]] = deque()
    to_draw: deque[Page] = deque()
    # Pages waiting for a new scene, with why their picture was withheld.
    to_replace: deque[tuple[Page, str]] = deque()
    replacing: dict[int, str] = {}  # page pk: that reason, while its new scene is asked
    replaced = Page.objects.filter(job=job).exclude(replaced_scene="").count()

    def pages_add(chosen: list[Page]) -> None:
        to_color.extend((page, None) for page in chosen if page.line_art and not page.colored)
        to_draw.extend(page for page in chosen if not page.line_art)

    if pages is not None:
        pages_add(pages)

    def queued() -> int:
        """Calls that could go out now, not yet sent."""
        if paused:
            return 0
        return (
            int(planning and not plan_sent)
            + int(cover_to_draw)
            + len(to_replace)
            + len(to_color)
            + (0 if waiting_for_cover else len(to_draw))
        )

    def submit_more(share: HostShare) -> None:
        nonlocal cover_to_draw, plan_sent
        wanted = min(most, len(in_flight) + queued())
        allowed = min(most, share.allowance(wanted))
        while len(in_flight) < allowed and queued():
            check()
            if planning and not plan_sent:
                plan_sent = True
                in_flight[pool.submit(provider.plan_scenes, brief, settings.BOOK_SCENES)] = (PLAN, None)
            elif cover_to_draw:
                cover_to_draw = False
                in_flight[pool.submit(provider.draw_cover, brief)] = (COVER, None)
            elif to_replace:
                page, reason = to_replace.popleft()
                replacing[page.pk] = reason
                scenes = list(Page.objects.filter(job=job).order_by("index").values_list("scene", flat=True))
                future = pool.submit(provider.replace_scene, brief, scenes, page.scene, page.index)
                in_flight[future] = (REPLACEMENT, page)
            elif to_color:
                page, line_art = to_color.popleft()
                if line_art is None:
                    line_art = _stored_bytes(page.line_art.name)
                future = pool.submit(provider.color_page, brief, page.scene, page.index, line_art)
                in_flight[future] = (COLORED, page)
            else:
                page = to_draw.popleft()
                in_flight[pool.submit(provider.draw_line_art, brief, page.scene, page.index)] = (LINE_ART, page)

    def replacement_wanted(page: Page, refused: ImageRefused) -> ProviderError | None:
        """Queue a new scene for a page whose picture was withheld, or say
        why the book cannot have one (a permanent failure, for staff)."""
        nonlocal replaced
        if page.replaced_scene:
            return ImageRefused(
                f"{refused} This scene already replaced one whose picture was withheld "
                f"({page.replaced_scene!r}): the theme itself may be the trouble."
            )
        if replaced >= settings.BOOK_SCENE_REPLACEMENTS:
            return ImageRefused(
                f"{refused} {replaced} scenes of this book were replaced already (BOOK_SCENE_REPLACEMENTS): "
                "the theme itself may be the trouble."
            )
        replaced += 1
        to_replace.append((page, str(refused)))
        return None

    def collect(future: Future) -> None:
        nonlocal planning, waiting_for_cover, paused
        kind, page = in_flight.pop(future)
        if kind == PLAN:
            # Without a plan there is no book: raised at once (a refusal, a
            # quota pause...), the cover in flight still stored on the way out.
            planning = False
            planned = pages_store(job=job, scenes=future.result())
            for each in planned:
                each.job = job
            pages_add(choose(planned) if choose else planned)
            if recorder is not None:
                recorder.flush()
            return
        reason = replacing.pop(page.pk, "") if kind == REPLACEMENT and page is not None else ""
        try:
            data = future.result()
        except CallsStopped:
            return  # never asked: the page is drawn by the next attempt, if any
        except QuotaPaused as exc:
            # The day's quota is spent: nothing more is asked; the pages wait
            # for the reset, with no error of their own.
            failures.append(exc)
            paused = True
            to_color.clear()
            to_draw.clear()
            return
        except ProviderError as exc:
            if page is None:
                waiting_for_cover = False  # the line art goes without it
            failure: ProviderError | None = exc
            if isinstance(exc, ImageRefused) and page is not None and kind in (LINE_ART, COLORED):
                failure = replacement_wanted(page, exc)
            elif kind == REPLACEMENT:
                # The refusal the page had, then why no scene replaces it (as
                # permanent, or not, as that reason is).
                failure = type(exc)(f"{reason} No other scene was had: {exc}")
            if failure is None:
                return
            if page is not None:
                Page.objects.filter(pk=page.pk).update(error=f"{kind}: {failure}")
            failures.append(failure)
            return
        if page is None:
            cover_store(job=job, data=data, recorder=recorder)
            if waiting_for_cover:
                provider.reference_keep(brief, data)
                waiting_for_cover = False
            return
        if kind == REPLACEMENT:
            page_scene_replace(page=page, scene=data, reason=reason)
            to_draw.appendleft(page)
            return
        # A line art dropped (the parent deleted the data) is colored by nobody.
        kept = page_image_store(page=page, kind=kind, data=data, recorder=recorder)
        if kept and kind == LINE_ART and not page.colored:
            to_color.append((page, data))

    try:
        with HostShare(settings.HOST_API_CALLS) as share:
            submit_more(share)
            while in_flight:
                connection_give_back()  # calls take seconds; the host's other threads may use it meanwhile
                done, _ = wait(in_flight, timeout=STOP_POLL_SECONDS, return_when=FIRST_COMPLETED)
                check()
                for future in done:
                    collect(future)
                submit_more(share)
    except BaseException:
        to_replace.clear()
        to_color.clear()
        to_draw.clear()
        cover_to_draw = planning = False
        for future in list(in_flight):
            try:
                collect(future)
            except Exception:
                logger.exception("job %s: an image in flight could not be stored", job.pk)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if failures:
        # A permanent failure (a refused page) decides: retrying the job would
        # only pay for the same refusal again. Then a quota pause: the job
        # waits for the reset without counting an attempt.
        raise next(
            (failure for failure in failures if failure.permanent),
            next((failure for failure in failures if isinstance(failure, QuotaPaused)), failures[0]),
        )


class UsageRecorder:
    """Adds a provider's calls to the job as they happen, so the cost of an
    attempt that is killed midway is still counted."""

    def __init__(self, job: Job, usage: Usage) -> None:
        self.job_id, self.usage = job.pk, usage
        self.calls = self.retries = self.cost_micros = self.estimated = 0

    def flush(self) -> None:
        seen = (self.usage.calls, self.usage.retries, self.usage.cost_micros, self.usage.estimated)
        calls, retries, cost_micros, estimated = seen
        if seen != (self.calls, self.retries, self.cost_micros, self.estimated):
            Job.objects.filter(pk=self.job_id).update(
                api_calls=F("api_calls") + calls - self.calls,
                api_retries=F("api_retries") + retries - self.retries,
                cost_micros=F("cost_micros") + cost_micros - self.cost_micros,
                cost_estimated=F("cost_estimated") + estimated - self.estimated,
            )
            self.calls, self.retries, self.cost_micros, self.estimated = seen


def _job_still_ours(job: Job, worker: str) -> Job:
    """Lock the job, or stop if it was cancelled or taken over meanwhile."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status != JobStatus.RUNNING or locked.worker != worker:
        raise JobCancelled(f"job {job.pk} is {locked.status}, no longer run by {worker}")
    return locked


def book_make(*, job: Job, worker: str, check: Callable[[], None], stop: threading.Event | None = None) -> None:
    """Make the book: the cover's picture and the pages, then the PDF, then
    tell that it is ready. A preview draws the cover and its one scene, and
    no PDF. `check` raises once the job is stopped; `stop` (set at the same moment)
    stops the provider's calls, retries included, from inside the calls in
    flight."""
    from generator.books import book_render

    if not job.provider:
        job.provider = settings.IMAGE_PROVIDER
        Job.objects.filter(pk=job.pk).update(provider=job.provider)
    usage = Usage(stop=stop)
    recorder = UsageRecorder(job, usage)
    provider = provider_get(job.provider, usage=usage)
    brief = brief_for(job)

    def choose(pages: list[Page]) -> list[Page]:
        return [pages[job.preview_scene % len(pages)]] if job.kind == JobKind.PREVIEW else pages

    def check_and_share() -> None:
        # What the calls learned (a retired model, a quota pause) reaches
        # the other hosts from this thread, which may use the database.
        geministate.STATE.flush()
        check()

    try:
        # Planned already (a job resumed), or planned in the same round as
        # the cover's picture, which does not need the plan.
        pages = list(job.pages.order_by("index"))
        for page in pages:
            page.job = job
        planned = choose(pages) if len(pages) == settings.BOOK_SCENES else None
        pages_draw(
            job=job,
            provider=provider,
            brief=brief,
            pages=planned,
            check=check_and_share,
            recorder=recorder,
            cover=not job.cover,
            choose=choose,
        )
    finally:
        recorder.flush()
        geministate.STATE.flush()
    check()
    if job.kind == JobKind.PREVIEW:
        if Job.objects.filter(pk=job.pk, kind=JobKind.BOOK).exists():
            # Made a book while its preview was drawn: in the books' line now.
            job.kind = JobKind.BOOK
            queue.job_requeue(job=job, reason="", worker=worker)
            return
        _job_finish(job, worker)
        return

    # Receivers lock their rows first (generator.signals), then the job's.
    with transaction.atomic():
        signals.job_progressed.send(
            sender=Job, job=job, stage=signals.RENDERING, images_done=job.images_total, images_total=job.images_total
        )
        _job_still_ours(job, worker)

    if not job.pdf:
        started = timezone.now()
        pdf = book_render(job=job)
        name = jobfiles.job_file_store(
            job_id=job.pk,
            name=job.pdf.field.generate_filename(job, f"coloring-book-{job.token}.pdf"),
            data=pdf,
            record=lambda stored: Job.objects.filter(pk=job.pk).update(
                pdf=stored, pdf_bytes=len(pdf), render_seconds=(timezone.now() - started).total_seconds()
            ),
        )
        del pdf
        if name is None:
            raise JobCancelled(f"job {job.pk}: its client deleted its data")
        job.pdf.name = name
    check()
    _job_finish(job, worker)


def _job_finish(job: Job, worker: str) -> None:
    """Done: whoever asked hears job_ready in the same transaction."""
    with transaction.atomic():
        signals.job_ready.send(sender=Job, job=job)
        job = _job_still_ours(job, worker)
        job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        job.error = ""
        job.save(update_fields=["status", "finished_at", "error"])


def _log_event(event: str, job: Job, **fields) -> None:
    """One structured line per job start and end, with the queue around it."""
    logger.info(json.dumps({"event": event, "job": job.pk, **fields, **selectors.queue_snapshot()}))


def job_run(*, job: Job, worker: str) -> None:
    """Make the book of a claimed job. Any failure puts the job back in line
    while attempts remain; a permanent one fails it."""
    _log_event("job_started", job, attempt=job.attempts)
    outcome = "done"
    heartbeat = Heartbeat(job, worker)
    try:
        with heartbeat:
            book_make(job=job, worker=worker, check=heartbeat.check, stop=heartbeat.stop)
    except (JobCancelled, CallsStopped) as exc:
        if heartbeat.interrupted and queue.job_interrupted_requeue(job=job, worker=worker):
            outcome = "interrupted: the worker is shutting down; back in the queue"
        else:
            reason = heartbeat.reason or str(exc)
            # Cancelled or taken over already; or a receiver of
            # generator.signals said the book is no longer wanted: cancelled.
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=worker).update(
                status=JobStatus.CANCELLED, error=reason, finished_at=timezone.now()
            )
            outcome = f"stopped: {reason}"
    except QuotaPaused as exc:
        # A per-day quota ran out: back in line without counting the
        # attempt, keeping its stored pages; no lane claims it (or any job)
        # before the quota's reset (generator/queue.py).
        if queue.job_requeue(job=job, reason=str(exc), worker=worker, attempt_back=True):
            outcome = f"paused: {exc}"
        else:
            outcome = f"stopped: job {job.pk} is no longer {worker}'s"
    except StorageUnavailable as exc:
        reason = str(exc)
        logger.error("job %s attempt %s: %s", job.pk, job.attempts, reason)
        if queue.job_storage_requeue(job=job, reason=reason, worker=worker):
            outcome = f"waiting for storage: {reason}"
        else:
            outcome = f"stopped: job {job.pk} is no longer run by {worker}"
    except Exception as exc:
        permanent = getattr(exc, "permanent", False)
        reason = f"{type(exc).__name__}: {exc}"
        logger.exception("job %s attempt %s failed", job.pk, job.attempts)
        job.refresh_from_db()
        if permanent or job.attempts >= settings.JOB_MAX_ATTEMPTS:
            failed = queue.job_fail(job, reason, worker=worker)
            outcome = f"failed: {reason}" if failed else f"stopped: job {job.pk} is {job.status}"
        elif queue.job_requeue(job=job, reason=reason, worker=worker):
            outcome = f"requeued: {reason}"
        else:
            outcome = f"stopped: job {job.pk} is {job.status}"
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    Job.objects.filter(pk=job.pk).update(peak_rss_mb=peak_rss_mb)
    _log_event("job_ended", job, outcome=outcome, peak_rss_mb=peak_rss_mb)
