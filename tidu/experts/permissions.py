"""Who may see what in expert review (reads). Who may *do* what is each operation's ``check`` (operations.py);
"city" and "expert" are defined once, in ``tidu.accounts.permissions``."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.experts.models import Assignment


def owns(user, assignment: Assignment) -> bool:
    return accounts.is_expert(user) and assignment.expert_id == user.pk


def can_view_assignment(user, assignment: Assignment) -> bool:
    """The expert's own assignment, unless they withdrew from it (回避): then the application is not theirs to read."""
    return owns(user, assignment) and assignment.status != Assignment.Status.WITHDRAWN
