"""Background tasks (django-tasks): production runs them with ``tidu db_worker``."""

from django_tasks import task


@task()
def run_archive_job(job_id: int) -> dict:
    """Build one call's archive, writing progress to the ArchiveJob row."""
    from tidu.records.archive import run_job

    return run_job(job_id)
