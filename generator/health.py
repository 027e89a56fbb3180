"""Health of the shop: the database answers, a worker showed a sign of life
recently, storage takes writes, how long the queue is, and which Gemini
models the books use (or that a per-day quota paused them)."""

import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.utils import timezone

from generator.geministate import PAUSE_NAME, Pause, model_names, pause_message

# The sweeper beats every minute when idle, a running job every few seconds.
HEARTBEAT_FRESH_SECONDS = 180


# The last probe of each storage (its backend and place), and when it ran.
_probes: dict[tuple[str, str], tuple[float, dict]] = {}
_probe_lock = threading.Lock()


def storage_probe() -> dict:
    """Whether storage takes a write: a few bytes written and deleted, at
    most every HEALTH_STORAGE_PROBE_SECONDS per process (the last answer
    is given in between), since a platform asks every few seconds. One
    thread probes at a time; while it does, the others give the last answer
    at once, so a hung object store never holds every web thread."""
    where = (settings.STORAGES["default"]["BACKEND"], str(settings.MEDIA_ROOT))
    probed_at, result = _probes.get(where, (None, None))
    if probed_at is not None and time.monotonic() - probed_at < settings.HEALTH_STORAGE_PROBE_SECONDS:
        return result
    # With an answer to give, nobody waits for the probe under way.
    if not _probe_lock.acquire(blocking=result is None):
        return result
    try:
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
    finally:
        _probe_lock.release()


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
        report["gemini"] = gemini_status()
        report["ok"] = fresh and report["storage"]["ok"]
    except DatabaseError:
        pass
    return report


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def quota_pause() -> Pause | None:
    """The per-day quota pause in force (every host's), or None."""
    from generator.models import QuotaPause

    row = QuotaPause.objects.filter(name=PAUSE_NAME, resumes_at__gt=time.time()).first()
    if row is None:
        return None
    return Pause(row.resumes_at, row.paused_at, row.reason, row.model, row.quota_id)


def gemini_status() -> dict | None:
    """For staff (dashboard, /healthz details): the model each kind of call
    uses now (the first of its list not retired), the models retired (when,
    why), the quota pause, and what needs a person. None with the offline
    provider."""
    from generator.models import RetiredModel

    if settings.IMAGE_PROVIDER != "gemini":
        return None
    retired = list(RetiredModel.objects.order_by("-retired_at"))
    gone = {row.name for row in retired}
    image = model_names(settings.GEMINI_IMAGE_MODEL)
    color = model_names(settings.GEMINI_COLOR_MODEL)
    lists = [
        ("text", "GEMINI_TEXT_MODEL", model_names(settings.GEMINI_TEXT_MODEL)),
        ("image", "GEMINI_IMAGE_MODEL", image),
        ("color", "GEMINI_COLOR_MODEL" if color else "GEMINI_IMAGE_MODEL", color or image),
    ]
    models, alerts = {}, []
    for purpose, setting, names in lists:
        in_use = next((name for name in names if name not in gone), None)
        models[purpose] = {"setting": setting, "models": names, "in_use": in_use}
        if in_use is None and f"Every model in {setting}" not in " ".join(alerts):
            alerts.append(f"Every model in {setting} is retired at Google: books fail until it names a current model.")
    pause = quota_pause()
    if pause is not None:
        alerts.insert(0, pause_message(pause))
    return {
        "api_version": settings.GEMINI_API_VERSION,
        "models": models,
        "retired": [
            {"name": row.name, "retired_at": _when(row.retired_at), "reason": row.reason, "setting": row.setting}
            for row in retired
        ],
        "paused": None
        if pause is None
        else {
            "resumes_at": _when(pause.resumes_at),
            "message": pause_message(pause),
            "reason": pause.reason,
            "seconds_left": round(pause.seconds_left()),
        },
        "alerts": alerts,
    }
