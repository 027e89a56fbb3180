"""The one seam between the factory and whoever asked for a book.

The factory makes books from briefs and knows nothing of orders. What
happens to a job is told here, each signal sent with `sender=Job` and
`job=<the Job>`; a client (the shop: orders/receivers.py) connects receivers
and decides what its customers see and receive.

- `job_started(job, attempt)`: a worker claimed the job (first time, retry
  or takeover).
- `job_progressed(job, stage, images_done, images_total)`: `stage` is
  DRAWING after each stored image, RENDERING once every image is stored and
  the PDF is about to be made.
- `job_requeued(job, reason)`: the job is back in line (a failed attempt, a
  shutdown, a staff retry or regeneration).
- `job_ready(job)`: the book's PDF is stored; the job is done.
- `job_failed(job, reason)`: failed for good; staff can retry it.

All but DRAWING progress are sent inside the transaction that changes the
job, so a receiver's writes commit or roll back with the change. They are
sent before the job's row is written, so a receiver locks its own rows
before the factory locks the job's; the exception is `job_started`, sent
with the job's row locked by the claim, whose receivers must not wait on a
lock (select_for_update(skip_locked=True)). A receiver may raise `JobCancelled` (generator.services)
to say the job is no longer wanted: the change is rolled back and the job
stops. Receivers run in the worker: they should write rows, not call
networks (write an outbox row and send it later).
"""

from django.dispatch import Signal

DRAWING = "drawing"
RENDERING = "rendering"

job_started = Signal()
job_progressed = Signal()
job_requeued = Signal()
job_ready = Signal()
job_failed = Signal()
