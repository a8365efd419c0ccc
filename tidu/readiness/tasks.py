"""Background tasks of the readiness app (django-tasks): production runs them with ``tidu db_worker``."""

from django_tasks import task


@task()
def snapshot_all_task(run_id: int) -> dict:
    """Take the snapshots of one SnapshotRun in committed chunks (resumable from its cursor)."""
    from tidu.readiness.services import run_snapshot_run

    run = run_snapshot_run(run_id)
    return {"total": run.total, "done": run.done, "failed": run.failed}
