"""The review side's fixtures (units, enterprises, users of every role, the 2026 call) serve here too."""

import pytest

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


@pytest.fixture(autouse=True)
def _sms_outbox():
    """The console SMS backend keeps what it 'sent' in sms.OUTBOX: empty it for every test."""
    from tidu.notifications import sms

    sms.OUTBOX.clear()
    yield sms.OUTBOX
    sms.OUTBOX.clear()
