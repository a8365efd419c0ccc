"""Every transition of the workflow table × every role × every source state the table allows.

For each (transition, source state) one application is driven to the source state through the services; then
every role that the table does not allow tries the transition and must be refused (PermissionDenied or
ApplicationError) with the state unchanged and no event written; finally the allowed role performs it.
submit/resubmit go through application_submit and are tested separately below.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from tidu.applications import services
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import ENTERPRISE_ACTIONS, TRANSITIONS, State
from tidu.review.testing import put_on_sent_list
from tidu.review.tests.lifecycle import drive_to, submit, transition
from tidu.testing import lapsed_return

pytestmark = pytest.mark.django_db

# (name, who, the role the workflow table would have to name for this person to be allowed)
ROLES = (
    ("enterprise own", "a", "enterprise"),
    ("enterprise other", "a2", None),  # another enterprise of the same unit: never
    ("township own unit", "x", "township"),
    ("township other unit", "y", None),
    ("city", "city", "city"),
    ("expert", "expert", None),
    ("admin", "admin", None),  # 系统管理员 is not named in the table: it may look, not act
)
CASES = [(t, source) for t in TRANSITIONS if t.action not in ENTERPRISE_ACTIONS for source in t.sources]


def _kwargs(transition):
    kwargs = {"reason": "测试意见"}
    if transition.is_return:
        kwargs["section_reasons"] = {"basic": "请补充主要产品市场占有率"}
    return kwargs


def test_the_matrix_covers_every_transition_and_source():
    covered = {(t.action, s) for t, s in CASES}
    expected = {(t.action, s) for t in TRANSITIONS for s in t.sources if t.action not in ENTERPRISE_ACTIONS}
    assert covered == expected and len(covered) >= 20


@pytest.mark.parametrize(("transition", "source"), CASES, ids=[f"{t.action}@{s}" for t, s in CASES])
def test_transition_permissions(transition, source, app_a, users):
    if source == State.RETURNED and transition.lapsed_returns:
        # a reviewer closes a returned application only once its 补正期限 has passed (and only its own return)
        application = lapsed_return(app_a, transition.lapsed_returns[0])
    else:
        application = drive_to(app_a, source)
    if transition.action == "city_receive":
        put_on_sent_list(application)  # 受理 only from the unit's sent 推荐名单 (tidu.review.rules)
    allowed = [(name, key) for name, key, role in ROLES if role is not None and role in transition.roles]
    assert len(allowed) == 1, "each transition is done by exactly one kind of person in its own scope"
    for name, key, _ in ROLES:
        if (name, key) in allowed:
            continue
        before = application.events.all().count()
        with pytest.raises((PermissionDenied, services.ApplicationError)):
            services.application_transition(application=application, action=transition.action, user=users[key],
                                            **_kwargs(transition))
        application.refresh_from_db()
        assert application.status == source, f"{name} changed the state with {transition.action}"
        assert application.events.all().count() == before, name
    name, key = allowed[0]
    before = application.events.all().count()
    event = services.application_transition(application=application, action=transition.action, user=users[key],
                                            **_kwargs(transition))
    application.refresh_from_db()
    expected = transition.target
    assert application.status == expected == event.to_status
    assert event.from_status == source and event.actor == users[key] and event.action == transition.action
    assert application.events.all().count() == before + 1
    # and it cannot be done twice
    with pytest.raises(services.ApplicationError):
        services.application_transition(application=application, action=transition.action, user=users[key],
                                        **_kwargs(transition))


@pytest.mark.parametrize("action", ENTERPRISE_ACTIONS)
def test_enterprise_actions_are_not_reviewer_transitions(action, app_a, users):
    drive_to(app_a, State.SUBMITTED)
    for key in ("a", "x", "city", "admin"):
        with pytest.raises(services.ApplicationError, match="未知的操作"):
            services.application_transition(application=app_a, action=action, user=users[key])


def _refused_submit(application, users, state):
    for key in ("a2", "x", "y", "city", "expert", "admin"):
        before = application.events.all().count()
        with pytest.raises(PermissionDenied):
            services.application_submit(application=application, user=users[key],
                                        idempotency_key=uuid.uuid4().hex)
        application.refresh_from_db()
        assert application.status == state
        assert application.events.all().count() == before


def test_submit_only_by_the_enterprise_itself(app_a, users):
    fill_complete_application(app_a, users["a"])
    _refused_submit(app_a, users, State.DRAFT)
    submit(app_a)
    assert app_a.status == State.SUBMITTED
    assert app_a.events.filter(action="submit").count() == 1


@pytest.mark.parametrize(("returned_by", "comes_back_to"), [
    ("township", State.SUBMITTED), ("city", State.RECEIVED)])
def test_resubmit_only_by_the_enterprise_and_back_to_who_returned_it(returned_by, comes_back_to, app_a, users):
    drive_to(app_a, comes_back_to)
    transition(app_a, f"{returned_by}_return", returned_by)
    assert app_a.status == State.RETURNED and app_a.return_to == comes_back_to
    _refused_submit(app_a, users, State.RETURNED)
    submit(app_a)
    assert app_a.status == comes_back_to
    event = app_a.events.get(action="resubmit")
    assert (event.from_status, event.to_status) == (State.RETURNED, comes_back_to)
