"""Drive an application to any state of the workflow table, through the services only.

Every state is reachable through ``application_submit`` and ``application_transition`` (the table has a service
for every step; the experts/onsite/publicity domains wrap theirs around the same call), so no status is ever
set directly here. Before 受理 the application is put on its unit's sent 推荐名单, as the 受理 rule requires. Actors are found in the database: the enterprise's own user, an officer of its unit and a
city officer.
"""

from __future__ import annotations

import uuid

from tidu.accounts.models import User
from tidu.applications import services
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import State
from tidu.review.testing import put_on_sent_list
from tidu.review.tests.conftest import IN_WINDOW

# state → (the state before it, the action that leads there, who acts)
PATH = {
    State.SUBMITTED: (State.DRAFT, "submit", "enterprise"),
    State.RETURNED: (State.SUBMITTED, "township_return", "township"),
    State.TOWNSHIP_RECOMMENDED: (State.SUBMITTED, "township_recommend", "township"),
    State.TOWNSHIP_NOT_RECOMMENDED: (State.SUBMITTED, "township_not_recommend", "township"),
    State.WITHDRAWN: (State.SUBMITTED, "withdraw", "enterprise"),
    State.RECEIVED: (State.TOWNSHIP_RECOMMENDED, "city_receive", "city"),
    State.FORMAL_PASSED: (State.RECEIVED, "formal_pass", "city"),
    State.FORMAL_FAILED: (State.RECEIVED, "formal_fail", "city"),
    State.EXPERT_REVIEW: (State.FORMAL_PASSED, "expert_start", "city"),
    State.EXPERT_REVIEWED: (State.EXPERT_REVIEW, "expert_complete", "city"),
    State.ONSITE_VERIFIED: (State.EXPERT_REVIEWED, "onsite_complete", "city"),
    State.PROPOSED: (State.ONSITE_VERIFIED, "propose", "city"),
    State.RECOGNISED: (State.PROPOSED, "recognise", "city"),
    State.NOT_RECOGNISED: (State.EXPERT_REVIEWED, "reject", "city"),
}


def actor(application, who: str) -> User:
    organisation = application.enterprise.organisation
    if who == "enterprise":
        return User.objects.filter(role=User.Role.ENTERPRISE, organisation=organisation).first()
    if who == "township":
        return User.objects.filter(role=User.Role.TOWNSHIP, organisation_id=organisation.parent_id).first()
    return User.objects.filter(role=User.Role.CITY).first()


def submit(application, now=IN_WINDOW):
    """Fill ``application`` completely (once) and submit it inside the call window."""
    user = actor(application, "enterprise")
    if application.status == State.DRAFT and not application.evidence.exists():
        fill_complete_application(application, user)
    services.application_submit(application=application, user=user, idempotency_key=uuid.uuid4().hex, now=now)
    application.refresh_from_db()
    return application


def transition(application, action, who, **kwargs):
    if action in ("township_return", "city_return"):
        kwargs.setdefault("section_reasons", {"basic": "请补充主要产品市场占有率"})
    kwargs.setdefault("reason", "测试意见")
    event = services.application_transition(application=application, action=action, user=actor(application, who),
                                            **kwargs)
    application.refresh_from_db()
    return event


def drive_to(application, state: str):
    """Move ``application`` (a draft, or already on the way) to ``state``; returns it refreshed."""
    application.refresh_from_db()
    if application.status == state:
        return application
    if state == State.DRAFT:
        raise ValueError("an application cannot go back to draft")
    before, action, who = PATH[state]
    drive_to(application, before)
    if action == "submit":
        return submit(application)
    if action == "city_receive":
        put_on_sent_list(application)  # the city receives only from the unit's sent 推荐名单
    transition(application, action, who)
    assert application.status == state, (application.status, state)
    return application
