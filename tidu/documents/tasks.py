"""Background tasks (django-tasks): production runs them with ``tidu db_worker``."""

from django_tasks import task


@task()
def run_document_job(job_id: int) -> dict:
    """Generate one DocumentJob (a bound dossier or a 汇总表 export), writing progress to the job row."""
    from tidu.documents.services import run_job

    return run_job(job_id)
