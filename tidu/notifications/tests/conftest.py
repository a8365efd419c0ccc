"""The review side's fixtures (units, enterprises, users of every role, the 2026 call) serve here too."""

from tidu.review.tests.conftest import (  # noqa: F401
    _test_settings,
    app_a,
    app_a2,
    app_b,
    call,
    enterprises,
    orgs,
    users,
)
