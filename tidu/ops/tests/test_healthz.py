"""/healthz: 200 only when the database, the storage and (with the database task backend) a worker are fine."""

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from tidu.ops.heartbeat import Heartbeat, live_workers
from tidu.ops.models import WorkerHeartbeat
from tidu.ops.tests.conftest import DB_TASKS

pytestmark = pytest.mark.django_db


def get(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


def test_all_fine_in_development_without_a_worker(client, settings):
    status, body = get(client)
    assert status == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert body["checks"]["worker"] == {"ok": True, "required": False, "backend": "ImmediateBackend"}
    # The probe object was written, read back and deleted: nothing is left in the storage.
    assert default_storage.listdir("healthz") == ([], [])


def test_needs_a_live_worker_with_the_database_task_backend(client, settings):
    settings.TASKS = DB_TASKS
    status, body = get(client)
    assert status == 503 and body["status"] == "error"
    assert body["checks"]["worker"]["ok"] is False and body["checks"]["worker"]["alive"] == 0

    beat = Heartbeat("worker-a", interval=3600)
    beat.beat()
    status, body = get(client)
    assert status == 200
    assert body["checks"]["worker"]["alive"] == 1 and body["checks"]["worker"]["busy"] == 0

    # A worker that was killed stops beating: after TIDU_WORKER_STALE_SECONDS it no longer counts.
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - dt.timedelta(seconds=settings.TIDU_WORKER_STALE_SECONDS + 1))
    status, body = get(client)
    assert status == 503 and body["checks"]["worker"]["alive"] == 0


def test_heartbeat_counts_tasks_and_leaves_no_row_after_a_clean_stop():
    beat = Heartbeat("worker-b", interval=3600)
    beat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="worker-b")
        assert row.busy_since is None and row.tasks_run == 0
        beat._on_started(sender=None)
        beat.beat()
        assert WorkerHeartbeat.objects.get(worker_id="worker-b").busy_since is not None
        beat._on_finished(sender=None)
        beat.beat()
        row = WorkerHeartbeat.objects.get(worker_id="worker-b")
        assert row.busy_since is None and row.tasks_run == 1
    finally:
        beat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id="worker-b").exists()


@task()
def report_live_workers() -> list[str]:
    return list(live_workers().values_list("worker_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_db_worker_command_beats_while_it_runs(settings):
    """`tidu db_worker` is the library's worker plus the heartbeat: a task it runs sees its worker alive."""
    settings.TASKS = DB_TASKS
    result = report_live_workers.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "worker-c",
                 verbosity=0)
    result.refresh()
    assert result.return_value == ["worker-c"]
    assert not WorkerHeartbeat.objects.exists()  # stopped cleanly: no stale row left behind


def test_storage_failure_is_503_without_the_error_text(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("bucket tidu-secret-bucket at 10.0.0.7 refused key AKIAEXAMPLE")

    monkeypatch.setattr(default_storage, "save", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.content.decode()
    assert json.loads(body)["checks"]["storage"] == {"ok": False, "error": "OSError"}
    assert "secret" not in body and "AKIA" not in body and "10.0.0.7" not in body


def test_no_secrets_or_connection_details_in_the_body(client):
    body = client.get("/healthz").content.decode()
    database = django_settings.DATABASES["default"]
    for secret in (django_settings.SECRET_KEY, str(database["NAME"]), database.get("PASSWORD") or "no-password",
                   str(django_settings.MEDIA_ROOT)):
        assert secret not in body


def test_not_cached_and_get_only(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
