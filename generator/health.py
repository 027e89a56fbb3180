"""Health of the shop: the database answers, a worker showed a sign of life
recently, and how long the queue is."""

from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

# The sweeper beats every minute when idle, a running job every few seconds.
HEARTBEAT_FRESH_SECONDS = 180


def health_report() -> dict:
    from generator.models import Job, JobStatus, WorkerHeartbeat

    report = {"ok": False, "database": "down", "worker": "unknown", "queue": None}
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
        report["ok"] = fresh
    except DatabaseError:
        pass
    return report
