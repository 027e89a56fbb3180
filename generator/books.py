"""A Job's book: its content read from the database, rendered (generator.pdf)."""

from bookshop.dbconnections import connection_give_back
from generator import jobfiles
from generator.hostlimits import pdf_renders
from generator.models import Job
from generator.pdf.content import BookContent, SceneSource
from generator.pdf.render import RenderError, book_content_render


def book_content_for(*, job: Job) -> BookContent:
    """What the job's book shows: its brief's texts and its pages' stored images."""
    scenes = []
    for page in job.pages.order_by("index"):
        missing = [kind for kind in ("line_art", "colored") if not getattr(page, kind)]
        if missing:
            raise RenderError(f"Page {page.index + 1} has no {' and no '.join(missing)} image.")
        scenes.append(SceneSource(caption=page.scene, colored=page.colored.name, line_art=page.line_art.name))
    if not scenes:
        raise RenderError("The job has no pages.")
    return BookContent(
        title=job.title,
        child_name=job.child_name,
        paper_size=job.paper_size,
        scenes=scenes,
        cover=job.cover.name if job.cover else "",
        dedication=job.dedication,
        language=job.language,
    )


def book_render(*, job: Job, variant: str = "home") -> bytes:
    """The PDF of a job whose pages are all drawn; RenderError if it cannot be
    made. One render at a time per host (HOST_PDF_RENDERS): a render is the
    largest single use of memory a book makes."""
    content = book_content_for(job=job)
    connection_give_back()  # not held while waiting for the slot and rendering
    with pdf_renders():
        return book_content_render(content=content, variant=variant)


def print_pdf_make(*, job: Job) -> None:
    """The print-shop PDF (bleed and crop marks) staff asked for
    (generator.services.print_pdf_request), made by the worker."""
    pdf = book_render(job=job, variant="print")
    if job.print_pdf:
        job.print_pdf.delete(save=False)
    name = jobfiles.job_file_store(
        job_id=job.pk,
        name=job.print_pdf.field.generate_filename(job, f"coloring-book-{job.token}-print.pdf"),
        data=pdf,
        record=lambda stored: Job.objects.filter(pk=job.pk).update(print_pdf=stored, print_pdf_requested_at=None),
    )
    job.print_pdf.name = name or ""
