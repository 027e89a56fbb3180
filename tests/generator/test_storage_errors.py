"""Storage that refuses to write (a full disk, a read-only volume, an
object store that is down) is the host's fault, not the book's: the book
waits longer each time, keeps its attempts, fails for good only after
STORAGE_MAX_RETRIES (staff see why), and /healthz says storage is not
writable."""

import errno
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from generator import tasks
from generator.models import Job, JobStatus, WorkerHeartbeat
from orders.models import OrderStatus
from tests.generator.test_object_storage import BUCKET, s3  # noqa: F401 (s3: the fixture)

pytestmark = pytest.mark.django_db


class FullDisk:
    """Every write to the local storage fails as a full disk fails it,
    until freed; counts the writes tried."""

    def __init__(self, monkeypatch) -> None:
        self.full, self.writes = True, 0
        real = FileSystemStorage._save

        def save(storage, name, content):
            self.writes += 1
            if self.full:
                raise OSError(errno.ENOSPC, "No space left on device", name)
            return real(storage, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", save)


def _time_passes() -> None:
    """The wait of every job waiting on storage is over."""
    Job.objects.filter(not_before__isnull=False).update(not_before=timezone.now())


def test_a_full_disk_makes_the_book_wait_longer_each_time_without_spending_its_attempts(
    paid_order, settings, monkeypatch
):
    settings.JOB_MAX_ATTEMPTS = 2
    order = paid_order()
    disk = FullDisk(monkeypatch)
    waits = []
    for _ in range(settings.JOB_MAX_ATTEMPTS + 2):
        assert tasks.job_run_next() == f"job {order.job_id}"
        job = Job.objects.get()
        assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)
        assert "No space left on device" in job.error
        waits.append((job.not_before - timezone.now()).total_seconds())
        # Not taken again before its wait is over.
        assert tasks.job_run_next() == "no job waiting"
        _time_passes()
    assert waits[0] >= settings.STORAGE_BACKOFF_SECONDS * 0.9
    assert all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED

    disk.full = False
    assert tasks.job_run_next() == f"job {order.job_id}"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_storage_down_for_too_long_fails_the_book_for_staff_to_see(paid_order, settings, monkeypatch):
    settings.STORAGE_MAX_RETRIES = 2
    order = paid_order()
    FullDisk(monkeypatch)
    for _ in range(settings.STORAGE_MAX_RETRIES + 1):
        tasks.job_run_next()
        _time_passes()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "storage" in job.error.lower() and "No space left on device" in job.error
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED


def test_healthz_reports_storage_that_cannot_be_written(client, admin_client, settings, monkeypatch):
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now())
    assert client.get("/healthz").status_code == 200
    disk = FullDisk(monkeypatch)
    settings.HEALTH_STORAGE_PROBE_SECONDS = 0
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (503, {"ok": False})
    details = admin_client.get("/healthz").json()
    assert details["storage"]["ok"] is False and "No space left on device" in details["storage"]["error"]

    # Probed at most once per HEALTH_STORAGE_PROBE_SECONDS, however often asked.
    settings.HEALTH_STORAGE_PROBE_SECONDS = 3600
    client.get("/healthz")
    writes = disk.writes
    for _ in range(5):
        assert client.get("/healthz").status_code == 503
    assert disk.writes == writes

    disk.full = False
    settings.HEALTH_STORAGE_PROBE_SECONDS = 0
    assert client.get("/healthz").status_code == 200
    assert not [path for path in Path(settings.MEDIA_ROOT).rglob("*.probe") if path.is_file()]


def test_a_hung_storage_probe_holds_no_other_request(settings, monkeypatch):
    """One thread's probe hangs on storage: every other health check gives
    the last answer at once instead of queueing behind it."""
    import threading

    from generator import health

    settings.HEALTH_STORAGE_PROBE_SECONDS = 0
    assert health.storage_probe() == {"ok": True}  # an answer to give
    entered, release = threading.Event(), threading.Event()
    real_save = FileSystemStorage.save

    def hung_save(self, *args, **kwargs):
        entered.set()
        release.wait(30)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(FileSystemStorage, "save", hung_save)
    prober = threading.Thread(target=health.storage_probe)
    prober.start()
    try:
        assert entered.wait(30), "the probe never reached storage"
        answers = []
        others = threading.Thread(target=lambda: answers.extend(health.storage_probe() for _ in range(3)))
        others.start()
        others.join(10)  # a deadline for a stuck check, not a timing: they do not touch storage
        assert answers == [{"ok": True}] * 3
    finally:
        release.set()
        prober.join(30)


def test_an_object_store_refusing_writes_is_waited_for_too(s3, paid_order, client):  # noqa: F811
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now())
    order = paid_order()
    s3.delete_bucket(Bucket=BUCKET)  # gone: every write is refused (NoSuchBucket)
    tasks.job_run_next()
    job = Job.objects.get(pk=order.job_id)
    assert (job.status, job.attempts, job.storage_failures) == (JobStatus.QUEUED, 0, 1)
    assert job.not_before > timezone.now() and "NoSuchBucket" in job.error
    assert client.get("/healthz").status_code == 503
