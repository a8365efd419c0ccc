import pytest

# The S3 test uploads evidence as the application tests do, with their organisation tree and users.
from tidu.applications.tests.conftest import app_a, call, enterprises, orgs, users  # noqa: F401 - fixtures

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
