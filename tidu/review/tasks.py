"""Background tasks of the review side (django-tasks): production runs them with ``tidu db_worker``."""

from django_tasks import task


@task()
def run_batch_task(run_id: int) -> dict:
    """Do the pending items of one BatchRun in committed chunks (resumable: only pending items are done)."""
    from tidu.review.services import run_batch

    run = run_batch(run_id)
    return {"total": run.total, "succeeded": run.succeeded, "failed": run.failed}
