"""What the factory raises to its callers."""


class JobError(Exception):
    """A rule of the factory refused the operation (a job not finished yet,
    a job still running)."""


class JobCancelled(Exception):
    """The job stopped being ours: cancelled, taken over, or no longer
    wanted by whoever asked for it (a receiver of generator.signals may
    raise it)."""
