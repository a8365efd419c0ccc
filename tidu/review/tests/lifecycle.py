"""Drive an application to any state of the workflow table, through the services only.

The code lives in ``tidu.testing`` (the one test-data builder): ``drive_to`` walks ``PATH`` with
``application_submit`` and ``application_transition``, putting the application on its unit's sent 推荐名单
before 受理. These names stay for the review tests that import them.
"""

from __future__ import annotations

from tidu.review.tests.conftest import IN_WINDOW
from tidu.testing import PATH, actor, drive_to, submitted, transition

__all__ = ["PATH", "actor", "drive_to", "submit", "transition"]


def submit(application, now=IN_WINDOW):
    """Fill ``application`` completely (once) and submit it inside the call window."""
    submitted(application, user=actor(application, "enterprise"), now=now)
    return application
