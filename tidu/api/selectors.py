"""Who may see which personal access tokens (never the secret: it is not stored)."""

from django.db.models import QuerySet

from tidu.accounts import permissions
from tidu.api.models import ApiToken, digest


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def may_list_all_tokens(user) -> bool:
    """The 审计管理员 and the 安全管理员 see every token (owner, scopes, validity), not only their own."""
    return permissions.is_auditor(user) or permissions.is_security_admin(user)


def all_tokens_visible_to(user) -> QuerySet[ApiToken]:
    if not may_list_all_tokens(user):
        return ApiToken.objects.none()
    return ApiToken.objects.select_related("user", "user__organisation")


def authenticate(secret: str) -> ApiToken | None:
    """The token with this secret (whatever its state), or None."""
    if not secret or len(secret) > 200:
        return None
    return ApiToken.objects.select_related("user", "user__organisation").filter(token_sha256=digest(secret)).first()
