"""django-q2 tasks: load, call a service, nothing else."""

from generator import books, pipeline, queue, shutdown


def job_run_next() -> str:
    if shutdown.requested():
        # A task the cluster fetched before it was told to stop: the job stays
        # queued in the job table, and the next worker's start-up sweep queues
        # a task for it again.
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
