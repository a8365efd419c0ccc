"""Background tasks of the enterprise registry (django-tasks): production runs them with ``tidu db_worker``."""

from django_tasks import task


@task()
def check_import_task(import_id: int) -> dict:
    """Check an uploaded registry file row by row (see tidu.enterprises.imports.check_import)."""
    from tidu.enterprises.imports import check_import

    batch = check_import(import_id)
    return {"status": batch.status, "total": batch.total, "valid": batch.valid, "invalid": batch.invalid}


@task()
def run_import_task(import_id: int) -> dict:
    """Import the pending rows of a confirmed import in committed chunks (resumable)."""
    from tidu.enterprises.imports import run_import

    batch = run_import(import_id)
    return {"status": batch.status, "imported": batch.imported, "skipped": batch.skipped}
