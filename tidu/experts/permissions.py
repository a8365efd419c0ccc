"""Who may do what in expert review: the one place these rules live."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.applications.workflow import State
from tidu.experts.models import Assignment


def is_city(user) -> bool:
    return accounts.is_city_user(user)


def is_expert(user) -> bool:
    return accounts.is_expert(user)


def owns(user, assignment: Assignment) -> bool:
    return is_expert(user) and assignment.expert_id == user.pk


def can_view_assignment(user, assignment: Assignment) -> bool:
    """The expert's own assignment, unless they withdrew from it (回避): then the application is not theirs to read."""
    return owns(user, assignment) and assignment.status != Assignment.Status.WITHDRAWN


def can_score(user, assignment: Assignment) -> bool:
    return (can_view_assignment(user, assignment) and assignment.is_open
            and assignment.application.status == State.EXPERT_REVIEW)
