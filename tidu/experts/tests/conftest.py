"""Fixtures for expert review tests: a small world (call, units, enterprises, officers, four pool experts)."""

import pytest

from tidu.experts import testing


@pytest.fixture(autouse=True)
def _fast_hasher_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def w(db):
    return testing.world()


@pytest.fixture
def city(w):
    return w["users"]["city"]


@pytest.fixture
def experts(w):
    return w["experts"]


@pytest.fixture
def passed(w):
    """Enterprise A's application, through 形式审查 (formal_passed)."""
    return testing.to_formal_passed(w, "a")
