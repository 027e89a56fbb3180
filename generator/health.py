"""Health of the shop: the database answers, a worker showed a sign of life
recently, storage takes writes, and how long the queue is."""

import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.utils import timezone

# The sweeper beats every minute when idle, a running job every few seconds.
HEARTBEAT_FRESH_SECONDS = 180


# The last probe of each storage (its backend and place), and when it ran.
_probes: dict[tuple[str, str], tuple[float, dict]] = {}
_probe_lock = threading.Lock()


def storage_probe() -> dict:
    """Whether storage takes a write: a few bytes written and deleted, at
    most every HEALTH_STORAGE_PROBE_SECONDS per process (the last answer
    is given in between), since a platform asks every few seconds."""
    where = (settings.STORAGES["default"]["BACKEND"], str(settings.MEDIA_ROOT))
    with _probe_lock:
        probed_at, result = _probes.get(where, (None, None))
        if probed_at is not None and time.monotonic() - probed_at < settings.HEALTH_STORAGE_PROBE_SECONDS:
            return result
        try:
            name = default_storage.save(f"healthz/{socket.gethostname()}-{os.getpid()}.probe", ContentFile(b"ok"))
            default_storage.delete(name)
            result = {"ok": True}
        except Exception as exc:  # whatever the backend raises, the answer is "not writable"
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        _probes[where] = (time.monotonic(), result)
        return result


def health_report() -> dict:
    from generator.models import Job, JobStatus, WorkerHeartbeat

    report = {"ok": False, "database": "down", "worker": "unknown", "storage": storage_probe(), "queue": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        age = (timezone.now() - last).total_seconds() if last else None
        fresh = age is not None and age <= HEARTBEAT_FRESH_SECONDS
        report["worker"] = {"ok": fresh, "last_heartbeat_seconds_ago": None if age is None else round(age)}
        report["queue"] = {
            "waiting": Job.objects.filter(status=JobStatus.QUEUED).count(),
            "running": Job.objects.filter(status=JobStatus.RUNNING).count(),
            "failed_last_day": Job.objects.filter(
                status=JobStatus.FAILED, finished_at__gte=timezone.now() - timedelta(days=1)
            ).count(),
        }
        report["ok"] = fresh and report["storage"]["ok"]
    except DatabaseError:
        pass
    return report
