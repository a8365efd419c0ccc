"""Personal access tokens for the HTTP API, and the answers kept for an Idempotency-Key.

A token is shown once, when it is made; only its SHA-256 digest is stored (and a short prefix, so that the
owner can tell tokens apart). Scopes limit what it may do; it stops working when it expires or is revoked.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("读取（批次、申报、判定结果、文书）")
    EVALUATE = "evaluate", _("判定申报数据（不保存）")
    TOWNSHIP_ACT = "township:act", _("乡镇办理（确认企业、推荐、退回补正）")
    CITY_ACT = "city:act", _("市经信局办理（受理、形式审查、批量办理、专家评审、现场核查、评审结论、公示）")


# Which scopes a role may give its tokens (an acting scope only to the role that acts).
SCOPES_BY_ROLE = {
    "enterprise": (Scope.READ, Scope.EVALUATE),
    "township": (Scope.READ, Scope.EVALUATE, Scope.TOWNSHIP_ACT),
    "city": (Scope.READ, Scope.EVALUATE, Scope.CITY_ACT),
}

TOKEN_PREFIX = "tidu_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens",
                             verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=60)
    prefix = models.CharField(_("令牌前缀"), max_length=16)
    token_sha256 = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人访问令牌")
        verbose_name_plural = _("个人访问令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def is_active(self, now=None) -> bool:
        return not self.is_revoked and not self.is_expired(now)

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired() else "active"

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


class IdempotentResponse(models.Model):
    """The answer to a POST made with an Idempotency-Key: a repeat with the same body gets it again."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+", verbose_name=_("令牌"))
    key = models.CharField(_("幂等键"), max_length=100)
    request_sha256 = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("状态码"))
    body = models.JSONField(_("响应内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("幂等请求记录")
        verbose_name_plural = _("幂等请求记录")
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_unique")]

    def __str__(self):
        return f"{self.token_id}:{self.key} → {self.status_code}"
