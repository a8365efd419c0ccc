"""Background tasks (django-tasks): production runs them with ``tidu db_worker``."""

from django_tasks import task


@task()
def run_whatif_job(run_id: int) -> dict:
    """Re-judge a call's submitted applications under a draft pack, writing progress to the run row."""
    from tidu.whatif.services import run_whatif

    return run_whatif(run_id)
