"""The task worker's heartbeat: a thread of `tidu db_worker` rewrites its WorkerHeartbeat row every few seconds.

django-tasks' database backend records which worker claimed a task (``DBTaskResult.worker_ids``) but
nothing about idle workers, so a stopped worker and an idle one look the same. The heartbeat tells them
apart. The task signals of django-tasks keep a count of tasks run and the start of the current one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks.signals import task_finished, task_started

from tidu.ops.models import WorkerHeartbeat

logger = logging.getLogger("tidu.ops.heartbeat")


class Heartbeat:
    def __init__(self, worker_id: str, interval: float | None = None):
        self.worker_id = worker_id
        self.interval = interval if interval is not None else settings.TIDU_WORKER_HEARTBEAT_SECONDS
        self.started_at = timezone.now()
        self.tasks_run = 0
        self.busy_since: dt.datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)

    # --- task signals (sent in the worker's main thread) ---
    def _on_started(self, sender, **kwargs):
        self.busy_since = timezone.now()

    def _on_finished(self, sender, **kwargs):
        self.busy_since = None
        self.tasks_run += 1

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(worker_id=self.worker_id, defaults={
            "hostname": socket.gethostname()[:255], "pid": os.getpid(), "started_at": self.started_at,
            "last_seen": timezone.now(), "tasks_run": self.tasks_run, "busy_since": self.busy_since})

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:  # the database may be restarting; the next beat tries again
                logger.exception("worker %s: heartbeat not recorded", self.worker_id)
            finally:
                connections.close_all()  # this thread's own connections

    def start(self) -> None:
        task_started.connect(self._on_started, dispatch_uid=f"heartbeat-started-{self.worker_id}")
        task_finished.connect(self._on_finished, dispatch_uid=f"heartbeat-finished-{self.worker_id}")
        self.beat()  # synchronously: a worker that cannot reach the database fails at once
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)
        task_started.disconnect(dispatch_uid=f"heartbeat-started-{self.worker_id}")
        task_finished.disconnect(dispatch_uid=f"heartbeat-finished-{self.worker_id}")
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:
            logger.exception("worker %s: heartbeat row not removed on stop", self.worker_id)


def live_workers():
    """Workers whose last heartbeat is younger than TIDU_WORKER_STALE_SECONDS."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.TIDU_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen__gte=cutoff)
