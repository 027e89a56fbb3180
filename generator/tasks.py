"""django-q2 tasks: load, call a service, nothing else."""

from generator import books, lanes, pipeline, queue, shutdown


def job_run_next() -> str:
    """In the worker process, whose book lanes make the books
    (generator/lanes.py): wake them, so a book paid for starts at once.
    Anywhere else (a shell, a test, a bench): claim the next book and make
    it here."""
    if lanes.lanes_wake():
        return "book lanes woken"
    if shutdown.requested():
        # A task the cluster fetched before it was told to stop: the job stays
        # queued in the job table for the next worker.
        return "not claiming: the worker is shutting down"
    worker = queue.worker_name()
    job = queue.job_claim_next(worker=worker)
    if job is None:
        return "no job waiting"
    pipeline.job_run(job=job, worker=worker)
    return f"job {job.pk}"


def sweep() -> dict:
    return queue.jobs_sweep()


def print_pdf_make(job_id: int) -> str:
    from generator.models import Job

    books.print_pdf_make(job=Job.objects.get(pk=job_id))
    return f"print PDF of job {job_id}"
