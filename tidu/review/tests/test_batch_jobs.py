"""Batch actions as a job: chunks that commit with their per-item results; a worker killed mid-batch leaves every
item done with its result recorded or untouched, and the batch resumes to completion."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.review import services
from tidu.review.models import BatchItem, BatchRun
from tidu.review.tests.conftest import login
from tidu.review.tests.test_intake import _clock, unit_y  # noqa: F401 - fixtures shared with the intake tests

ROOT = Path(__file__).resolve().parents[3]


class WorkerDied(Exception):
    pass


def _started(users, monkeypatch) -> BatchRun:
    """A batch recorded but not yet picked up (as when the worker is busy): its job is started by hand."""
    monkeypatch.setattr(services, "enqueue_batch", lambda run: None)
    run = services.batch_run(applications=Application.objects.exclude(status=State.DRAFT), action="city_receive",
                             user=users["city"], filters_text="全部")
    monkeypatch.undo()
    return run


def _assert_done_or_untouched(run: BatchRun) -> dict:
    """Every item: done with its result and its change made once, or pending with its application untouched."""
    run.refresh_from_db()
    seen = {"ok": 0, "failed": 0, "pending": 0}
    for item in BatchItem.objects.filter(run=run).select_related("application"):
        application = item.application
        received = application.events.filter(action="city_receive").count()
        if item.ok is None:
            assert (item.message, item.to_status, item.done_at) == ("", "", None)
            assert application.status == item.from_status and received == 0
            seen["pending"] += 1
        elif item.ok:
            assert application.status == item.to_status == State.RECEIVED and received == 1
            assert item.message == "已受理"
            seen["ok"] += 1
        else:
            assert application.status == item.to_status == item.from_status and received == 0
            assert item.message
            seen["failed"] += 1
    assert (run.succeeded, run.failed, run.pending) == (seen["ok"], seen["failed"], seen["pending"])
    assert (run.finished_at is None) == (seen["pending"] > 0)
    return seen


@pytest.mark.django_db
def test_a_worker_dying_between_chunks_leaves_a_consistent_record_and_the_batch_resumes(
        settings, users, unit_y):  # noqa: F811
    settings.TIDU_BATCH_CHUNK_SIZE = 2
    run = _started(users, monkeypatch=pytest.MonkeyPatch())
    assert run.total == 5 and run.pending == 5 and run.finished_at is None
    assert _assert_done_or_untouched(run) == {"ok": 0, "failed": 0, "pending": 5}

    def die(run):
        raise WorkerDied
    with pytest.raises(WorkerDied):
        services.run_batch(run.pk, between_chunks=die)
    assert _assert_done_or_untouched(run)["pending"] == 3  # the first chunk is committed, the rest untouched

    assert services.resume_stale_batches(older_than=dt.timedelta(minutes=5)) == []  # it only just progressed
    assert services.resume_stale_batches(older_than=dt.timedelta(0)) == [run.pk]  # the job runs (inline here)
    assert _assert_done_or_untouched(run) == {"ok": 3, "failed": 2, "pending": 0}
    services.run_batch(run.pk)  # running a finished batch again changes nothing
    assert _assert_done_or_untouched(run) == {"ok": 3, "failed": 2, "pending": 0}


@pytest.mark.django_db
def test_a_worker_dying_inside_a_chunk_rolls_the_whole_chunk_back(settings, users, unit_y, monkeypatch):  # noqa: F811
    settings.TIDU_BATCH_CHUNK_SIZE = 2
    run = _started(users, monkeypatch=pytest.MonkeyPatch())
    real = services._do_item
    calls = []

    def dies_on_the_second_item(run, item):
        calls.append(item.pk)
        real(run, item)  # the first item's application is changed inside the chunk's transaction …
        if len(calls) == 2:
            raise WorkerDied  # … and the worker dies before the chunk commits
    monkeypatch.setattr(services, "_do_item", dies_on_the_second_item)
    with pytest.raises(WorkerDied):
        services.run_batch(run.pk)
    assert _assert_done_or_untouched(run) == {"ok": 0, "failed": 0, "pending": 5}
    monkeypatch.undo()
    services.run_batch(run.pk)
    assert _assert_done_or_untouched(run) == {"ok": 3, "failed": 2, "pending": 0}


@pytest.mark.django_db
def test_the_result_page_shows_progress_and_an_interrupted_batch(client, settings, users, unit_y):  # noqa: F811
    settings.TIDU_BATCH_CHUNK_SIZE = 2
    run = _started(users, monkeypatch=pytest.MonkeyPatch())
    login(client, users["city"])
    page = client.get(reverse("review:batch_result", args=[run.pk])).content.decode()
    assert "正在办理：已办理 0 / 5 件" in page and "尚无已办理的申报" in page

    def die(run):
        raise WorkerDied
    with pytest.raises(WorkerDied):
        services.run_batch(run.pk, between_chunks=die)
    BatchRun.objects.filter(pk=run.pk).update(progressed_at=run.created_at - dt.timedelta(hours=1))
    page = client.get(reverse("review:batch_result", args=[run.pk])).content.decode()
    assert "办理中断：已办理 2 / 5 件，其余 3 件尚未办理、未作任何改动" in page and "未办理 3" in page


KILLED_WORKER = """
import sys, time
import django
django.setup()
from tidu.review import services
real = services._do_item
def slow(run, item):
    real(run, item)
    time.sleep(0.4)
services._do_item = slow
services.run_batch(int(sys.argv[1]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_batch_leaves_done_or_untouched_and_the_batch_resumes(
        settings, users, unit_y):  # noqa: F811
    """A real process, really killed (SIGKILL) while it works: needs a database another process can reach."""
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database server (run with DATABASE_URL=postgres://…)")
    settings.TIDU_BATCH_CHUNK_SIZE = 2
    run = _started(users, monkeypatch=pytest.MonkeyPatch())
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tidu.settings", "TIDU_BATCH_CHUNK_SIZE": "2",
           "TIDU_NOW": "2026-02-20T10:00:00+08:00"}
    worker = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, str(run.pk)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while BatchRun.objects.get(pk=run.pk).succeeded + BatchRun.objects.get(pk=run.pk).failed < 2:
            assert worker.poll() is None, "the worker ended before its first chunk"
            assert time.monotonic() < deadline, "the worker never committed a chunk"
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the second chunk (0.4 s per item)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    seen = _assert_done_or_untouched(run)
    assert seen["pending"] > 0 and seen["ok"] + seen["failed"] >= 2
    services.run_batch(run.pk)
    assert _assert_done_or_untouched(run) == {"ok": 3, "failed": 2, "pending": 0}


@pytest.mark.django_db
def test_tidu_resume_batches_finishes_an_interrupted_batch(settings, users, unit_y):  # noqa: F811
    import io

    from django.core.management import call_command

    settings.TIDU_BATCH_CHUNK_SIZE = 2
    run = _started(users, monkeypatch=pytest.MonkeyPatch())

    def die(run):
        raise WorkerDied
    with pytest.raises(WorkerDied):
        services.run_batch(run.pk, between_chunks=die)
    out = io.StringIO()
    call_command("resume_batches", "--stale-seconds", "3600", stdout=out)
    assert "重新启动 0 个批量操作" in out.getvalue()  # it made progress just now: not taken for dead
    call_command("resume_batches", "--stale-seconds", "0", stdout=out)
    assert f"重新启动 1 个批量操作：{run.pk}" in out.getvalue()
    assert _assert_done_or_untouched(run) == {"ok": 3, "failed": 2, "pending": 0}
