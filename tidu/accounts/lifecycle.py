"""The lifecycle of a user account and of an organisation, as data (same form as
``tidu.applications.workflow``): who may change a user's role and organisation, contact details and
activation, and an organisation's details. Each row is one operation of ``tidu.accounts.operations``.

Roles are those of ``User.Role`` (defined once, in ``tidu.accounts.permissions``/models). ``PUBLIC`` and
``SYSTEM`` are pseudo-roles of actors without an account (a visitor, a scheduled job): no account holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

NEW = ""
PUBLIC = "public"
SYSTEM = "system"
ADMIN_ROLES = ("admin",)
EVERY_ROLE = ("enterprise", "township", "city", "expert", "admin", "security_admin", "auditor")
# A role change may be made by the 系统管理员 or, for the guarded roles only, the 安全管理员 (operations.py).
ROLE_CHANGERS = ("admin", "security_admin")
ANY_ROLE = "@role"  # a role change: from the current role to the one given


class ActiveState:
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


A = ActiveState
TRANSITIONS: tuple[Transition, ...] = (
    Transition("user.create", gettext_noop("新建账号"), (NEW,), ANY_ROLE, ADMIN_ROLES),
    # role and organisation together: what the account may see and do
    Transition("user.change_role", gettext_noop("变更角色或所属组织"), EVERY_ROLE, ANY_ROLE, ROLE_CHANGERS),
    Transition("user.deactivate", gettext_noop("停用账号"), (A.ACTIVE,), A.INACTIVE, ADMIN_ROLES),
    Transition("user.activate", gettext_noop("启用账号"), (A.INACTIVE,), A.ACTIVE, ADMIN_ROLES),
    Transition("user.update_contact", gettext_noop("修改联系方式"), (A.ACTIVE, A.INACTIVE), "", ADMIN_ROLES),
    # security of one's own account: the user himself (second factor); a visitor holding the e-mailed link (unlock)
    Transition("user.enable_second_factor", gettext_noop("启用双因素认证"), (), "", EVERY_ROLE),
    Transition("user.unlock_login", gettext_noop("解除登录锁定"), (), "", (PUBLIC,)),
    Transition("organisation.create", gettext_noop("新建组织"), (NEW,), A.ACTIVE, ADMIN_ROLES),
    Transition("organisation.update", gettext_noop("修改组织"), (A.ACTIVE, A.INACTIVE), "", ADMIN_ROLES),
)
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}


def transition(action: str) -> Transition:
    return TRANSITIONS_BY_ACTION[action]
