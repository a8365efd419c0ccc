"""Starting a call's archive: the operation records it, the task builds it (``tidu.records.archive``)."""

from __future__ import annotations

from tidu.records import operations
from tidu.records.models import ArchiveJob


def _enqueue(job: ArchiveJob) -> ArchiveJob:
    from tidu.records.tasks import run_archive_job

    result = run_archive_job.enqueue(job.pk)
    ArchiveJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def start_archive(call, user, kind: str = ArchiveJob.Kind.ARCHIVE) -> ArchiveJob:
    """The city starts building the call's archive or its interchange export (the buttons)."""
    return _enqueue(operations.ArchiveStart(call, kind=kind).execute(user))


def start_archive_from_command_line(call, kind: str = ArchiveJob.Kind.ARCHIVE) -> ArchiveJob:
    return _enqueue(operations.start_from_command_line(call, kind))
