"""Making and revoking a personal access token: operations like any other change (one audit row each)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tidu.api.errors import ApiTokenError
from tidu.api.models import SCOPES_BY_ROLE, TOKEN_PREFIX, ApiToken, digest
from tidu.core.operations import ALLOWED, AuditRecord, Check, Operation, operation_class, refused, role_of

MAX_DAYS = 365
NEW = "new"


class TokenOperation(Operation):
    object_type = "api_token"
    model = ApiToken
    error_class = ApiTokenError
    text_labels = {"name": "用途"}

    def state_of(self, obj) -> str:
        return obj.status if obj.pk is not None else NEW

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=obj.pk, action=self.name, from_status=before,
                           to_status=self.state_of(obj), reason=str(self.params.get("reason", "") or ""),
                           detail={"owner_id": obj.user_id, "name": obj.name, "prefix": obj.prefix,
                                   "scopes": list(obj.scopes), "expires_at": obj.expires_at.isoformat()})


@operation_class
class TokenCreate(TokenOperation):
    """A new token for its owner (the object is the unsaved token with ``user`` set). Parameters: ``name``,
    ``scopes`` (a list), ``days`` (1–365). ``execute`` returns the secret: shown once, never stored."""

    name = "api_token.create"
    label = gettext_noop("创建个人访问令牌")
    roles = tuple(SCOPES_BY_ROLE)

    def in_scope(self, user, obj) -> bool:
        return obj.user_id == user.pk

    def lock(self):
        return self.obj

    def validate(self, user, obj) -> None:
        problems = []
        name = str(self.params.get("name") or "").strip()
        if not name:
            problems.append(gettext("请填写令牌的用途（例如“省级平台对接”），便于日后辨认和撤销。"))
        elif len(name) > 60:
            problems.append(gettext("用途不超过60个字。"))
        allowed = [str(scope) for scope in SCOPES_BY_ROLE.get(role_of(user), ())]
        scopes = list(dict.fromkeys(str(scope) for scope in (self.params.get("scopes") or [])))
        if not scopes:
            problems.append(gettext("请至少选择一项权限范围。"))
        not_allowed = [scope for scope in scopes if scope not in allowed]
        if not_allowed:
            problems.append(gettext("当前角色不能授予这些权限范围：%(scopes)s") % {"scopes": "、".join(not_allowed)})
        try:
            days = int(self.params.get("days") or 0)
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= MAX_DAYS:
            problems.append(gettext("有效期须为1至%(max)s天。") % {"max": MAX_DAYS})
        if problems:
            raise ApiTokenError(problems[0], problems[1:])
        self.params.update(name=name, scopes=scopes, days=days)

    def perform(self, user, obj) -> str:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        obj.name, obj.scopes = self.params["name"], self.params["scopes"]
        obj.prefix, obj.token_sha256 = secret[:12], digest(secret)
        obj.created_at, obj.expires_at = now, now + timedelta(days=self.params["days"])
        obj.save()
        return secret


@operation_class
class TokenRevoke(TokenOperation):
    """Revoke a token now: its owner, or the 安全管理员 (a leaked token)."""

    name = "api_token.revoke"
    label = gettext_noop("撤销令牌")
    roles = (*SCOPES_BY_ROLE, "security_admin")

    def in_scope(self, user, obj) -> bool:
        return role_of(user) == "security_admin" or obj.user_id == user.pk

    def state_check(self, obj) -> Check:
        if obj.is_revoked:
            return refused(gettext("该令牌已经撤销。"))
        return ALLOWED

    def perform(self, user, obj) -> None:
        obj.revoked_at = timezone.now()
        obj.save(update_fields=["revoked_at"])


def create_token(user, *, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    token = ApiToken(user=user)
    secret = TokenCreate(token, name=name, scopes=scopes, days=days).execute(user)
    return token, secret


def revoke_token(token: ApiToken, user) -> None:
    TokenRevoke(token).execute(user)
