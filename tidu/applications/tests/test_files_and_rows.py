"""Evidence files and their rows move together: no late files after a receipt, no orphan files, no dangling rows.

The race test needs real row locks and one connection per thread (PostgreSQL); the fault-injection tests run
everywhere.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from tidu.applications import services
from tidu.applications.errors import EvidenceRejected
from tidu.applications.evidence import evidence_upload
from tidu.applications.models import Application, Evidence
from tidu.applications.testing import fill_complete_application, minimal_pdf_bytes
from tidu.applications.tests.conftest import IN_WINDOW
from tidu.applications.workflow import State
from tidu.core.models import AuditEntry

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE row locks and serialises whole-database writes, "
           "so uploads racing a submission cannot be reproduced faithfully; run with DATABASE_URL=postgres://…")


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf_bytes(name), content_type="application/pdf")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_uploads_racing_the_submission_are_in_the_receipt_or_refused(app_a, users):
    fill_complete_application(app_a, users["a"])
    count = 7  # one submission and six uploads, some during it and some after it
    barrier = threading.Barrier(count)
    results: list = [None] * count
    # Each request loaded the application before the race (as a page would), so its copy may be stale.
    copies = [Application.objects.get(pk=app_a.pk) for _ in range(count)]

    def run(i):
        try:
            barrier.wait(timeout=10)
            if i == 0:
                results[i] = (True, services.application_submit(application=copies[i], user=users["a"],
                                                                idempotency_key="race", now=IN_WINDOW))
            else:
                time.sleep(0.08 * (i - 1) ** 2)  # 0 … 2 s: before, during and after the submission
                results[i] = (True, evidence_upload(application=copies[i], section="conditions", topic="申报条件1",
                                                    upload=pdf(f"证明{i}.pdf"), user=users["a"]))
        except Exception as error:  # a refused upload is the point of the test
            results[i] = (False, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ok, submission = results[0]
    assert ok, submission
    for ok, outcome in results[1:]:
        assert ok or isinstance(outcome, EvidenceRejected), outcome
    app_a.refresh_from_db()
    submission.refresh_from_db()
    assert app_a.status == State.SUBMITTED
    attached = {item.pk: item for item in app_a.evidence.all()}
    in_receipt = {item["id"] for item in submission.snapshot["evidence"]}
    assert set(attached) == in_receipt  # every attached file is in the receipt, and nothing came after it
    receipt_time = AuditEntry.objects.get(application_id=app_a.pk, action="submit").created_at
    assert all(item.uploaded_at <= receipt_time for item in attached.values())
    # the content still is what was submitted: nothing reads "returned, not yet resubmitted"
    assert services.content_hash(app_a) == submission.content_sha256 == app_a.latest_submission().content_sha256
    # refused uploads left no file behind
    assert stored_files() == {item.file.name for item in attached.values()}
    assert any(not ok for ok, _ in results[1:]), "no upload came after the submission: the race did not happen"


@pytest.mark.django_db
def test_a_database_error_while_deleting_keeps_the_row_and_its_file(app_a, users, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    evidence = evidence_upload(application=app_a, section="conditions", topic="申报条件1", upload=pdf("a.pdf"),
                               user=users["a"])
    name = evidence.file.name

    def broken_delete(self, *args, **kwargs):
        raise DatabaseError("injected: the row cannot be deleted")

    monkeypatch.setattr(Evidence, "delete", broken_delete)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DatabaseError):
        services.evidence_delete(evidence=Evidence.objects.get(pk=evidence.pk), user=users["a"])
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert default_storage.exists(name)  # the row still points at its file
    assert not AuditEntry.objects.filter(action="application.evidence_delete").exists()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(evidence=Evidence.objects.get(pk=evidence.pk), user=users["a"])
    assert not Evidence.objects.exists() and not default_storage.exists(name)
    for item in Evidence.objects.all():  # no dangling rows
        assert default_storage.exists(item.file.name)


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["row", "audit"])
def test_a_failed_upload_leaves_no_orphan_file(app_a, users, monkeypatch, fault):
    def broken(*args, **kwargs):
        raise DatabaseError("injected: the write after the file failed")

    if fault == "row":
        monkeypatch.setattr(Evidence, "save", broken)
    else:
        monkeypatch.setattr("tidu.core.operations.write_audit", broken)
    with pytest.raises(DatabaseError):
        evidence_upload(application=app_a, section="conditions", topic="申报条件1", upload=pdf("a.pdf"),
                        user=users["a"])
    monkeypatch.undo()
    assert not Evidence.objects.exists()
    assert stored_files() == set()
