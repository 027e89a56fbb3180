"""What the factory raises to its callers."""


class JobError(Exception):
    """A rule of the factory refused the operation (a job not finished yet,
    a job still running)."""


class JobCancelled(Exception):
    """The job stopped being ours: cancelled, taken over, or no longer
    wanted by whoever asked for it (a receiver of generator.signals may
    raise it)."""


class StorageUnavailable(Exception):
    """Storage refused to write a file (a full disk, a read-only volume, an
    object store down or refusing us): the host's fault, not the book's,
    so the job waits and tries again (generator.queue.job_storage_requeue)."""
