import copy
import json
from pathlib import Path

import pytest

from tidu.policy.call_policy import load_call_policy

EXAMPLES_DIR = Path(__file__).resolve().parent / "eligibility" / "examples"
CALL_PACK_ID = "call-tianmen-2026-basic"


@pytest.fixture(scope="session")
def policy():
    """The 2026 Tianmen basic-tier call with its pinned packs, read from the repository's pack files."""
    return load_call_policy(CALL_PACK_ID)


@pytest.fixture
def passing_application():
    """A complete application that meets every clause of the 2026 call; tests change one thing at a time."""
    return copy.deepcopy(json.loads((EXAMPLES_DIR / "passing-basic.json").read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.5 s per password; tests check behaviour, not the hasher's strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_second_factor_outside_its_tests(settings):
    """Tests of other areas sign officers in with force_login and no authenticator; the second factor's own
    tests (tidu/accounts/tests/test_second_factor.py, the e2e test) switch TIDU_OTP_REQUIRED_ROLES back on."""
    settings.TIDU_OTP_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """Each test's database starts afresh (ids are reused): so do the per-process policy and figures caches."""
    from tidu.dashboards import selectors as dashboards
    from tidu.policy import selectors

    selectors._POLICY_CACHE.clear()
    dashboards._OVERVIEWS.clear()
    yield
    selectors._POLICY_CACHE.clear()
    dashboards._OVERVIEWS.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language (zh-hans): a request in English earlier in the same worker
    process leaves English active in that thread, and refusals are translated when they are raised."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
