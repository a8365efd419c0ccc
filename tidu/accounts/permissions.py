"""Who is who: the one definition of the platform's roles. Every view, selector, operation and template asks here.

- 企业 (enterprise): ``role == "enterprise"``; acts for the enterprise its organisation is.
- 乡镇 (township): ``role == "township"``; acts for its unit (乡镇、办事处、农场、开发区) only.
- 市经信局 (city): ``role == "city"`` and nothing else.
- 评审专家 (expert): ``role == "expert"``; sees only what is assigned to them.
- 系统管理员 (admin): ``role == "admin"``, or any superuser whatever role is stored on it.

- 安全管理员 (security_admin): gives and takes the 安全管理员 and 审计管理员 roles (``user.change_role``); a
  系统管理员 cannot, so he cannot make himself (or a friend) the one who audits him.
- 审计管理员 (auditor): reads the audit log (``accounts:audit_log``), which nobody can edit or delete
  (``AuditEntry`` is append-only, with a database trigger on PostgreSQL).

Decision (separation of duties, 等保三权分立): 系统管理员 is NOT a business role. The admin manages accounts,
organisations and policy in ``/admin/`` (and the document templates), but sees no application content and
performs no review action: it is not "city", and every selector gives it nothing of an application, an
enterprise, a 推荐名单, a review, an on-site check or a 公示's internal pages.

Templates ask the same functions: ``{% load roles %}{% if user|is_city %}`` (accounts/templatetags/roles.py).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from tidu.accounts.models import Organisation, User

Role = User.Role


def role_of(user) -> str | None:
    """The user's effective role, or None for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return user.role


def is_enterprise_user(user) -> bool:
    return role_of(user) == Role.ENTERPRISE


def is_township_user(user) -> bool:
    return role_of(user) == Role.TOWNSHIP


def is_city_user(user) -> bool:
    """市经信局经办人 only (系统管理员 is not city: see the module docstring)."""
    return role_of(user) == Role.CITY


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def is_expert(user) -> bool:
    return role_of(user) == Role.EXPERT


def is_security_admin(user) -> bool:
    return role_of(user) == Role.SECURITY


def is_auditor(user) -> bool:
    return role_of(user) == Role.AUDITOR


# Roles only a 安全管理员 may give or take (三权分立: the 系统管理员 cannot grant himself audit or security).
GUARDED_ROLES = (Role.SECURITY, Role.AUDITOR)


def unit_of(user) -> Organisation | None:
    """The township unit (乡镇、办事处、农场、开发区) the user works for or, for an enterprise user, belongs to."""
    role = role_of(user)
    organisation = user.organisation if role in (Role.TOWNSHIP, Role.ENTERPRISE) else None
    if organisation is None:
        return None
    if role == Role.TOWNSHIP:
        return organisation if organisation.is_unit else None
    parent = organisation.parent if organisation.kind == Organisation.Kind.ENTERPRISE else None
    return parent if parent is not None and parent.is_unit else None


def role_required(*roles):
    """View decorator: anonymous visitors go to the login page; users of any other role get 403."""
    allowed = {str(role) for role in roles}

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in allowed:
                raise PermissionDenied(gettext("当前账号的角色无权访问此页面。"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
