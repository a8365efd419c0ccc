"""What /healthz checks: the database, the file storage and the task worker. Pure reads plus one probe file.

Each check returns a small dict with ``ok`` and, on failure, the error's class name only: messages of
database drivers and storage clients can carry host names, user names or keys, which a public endpoint
must not show (the full error goes to the log).
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from tidu.ops.heartbeat import live_workers

logger = logging.getLogger("tidu.ops.health")


def _failed(name: str, exc: Exception) -> dict:
    logger.error("healthz: %s check failed", name, exc_info=exc)
    return {"ok": False, "error": type(exc).__name__}


def check_database() -> dict:
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", exc)
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - start) * 1000, 1)}


def check_storage() -> dict:
    """Write, read back and delete a probe object in the default storage (media: local disk or S3)."""
    start = time.perf_counter()
    payload = uuid.uuid4().hex.encode()
    name = None
    try:
        name = default_storage.save(f"healthz/probe-{uuid.uuid4().hex}.txt", ContentFile(payload))
        with default_storage.open(name, "rb") as handle:
            if handle.read() != payload:
                raise OSError("probe read back differs from what was written")
    except Exception as exc:
        return _failed("storage", exc)
    finally:
        if name is not None:
            try:
                default_storage.delete(name)
            except Exception as exc:
                return _failed("storage", exc)
    return {"ok": True, "backend": default_storage.__class__.__name__,
            "ms": round((time.perf_counter() - start) * 1000, 1)}


def check_worker() -> dict:
    """Alive = a `tidu db_worker` wrote its heartbeat within TIDU_WORKER_STALE_SECONDS.

    Without the database task backend (development: tasks run at once, in the request) there is no worker
    to check, and that is fine.
    """
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        return {"ok": True, "required": False, "backend": type(backend).__name__}
    try:
        workers = list(live_workers().order_by("-last_seen"))
    except Exception as exc:
        return _failed("worker", exc)
    now = timezone.now()
    result = {"ok": bool(workers), "required": True, "alive": len(workers),
              "stale_after_seconds": settings.TIDU_WORKER_STALE_SECONDS}
    if workers:
        result["last_heartbeat_seconds_ago"] = round((now - workers[0].last_seen).total_seconds(), 1)
        result["busy"] = sum(1 for worker in workers if worker.busy_since is not None)
    return result


def health() -> tuple[bool, dict]:
    checks = {"database": check_database(), "storage": check_storage()}
    checks["worker"] = check_worker() if checks["database"]["ok"] else {"ok": False, "error": "database"}
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "error", "checks": checks}
