"""The platform's two records of what happened: the audit trail and the outbox of domain events.

* ``AuditEntry`` — one append-only row per change of state, written by ``Operation.execute`` inside the same
  transaction as the change: who (and in which role), on which object, what action, from which state to
  which, the reason, a content hash and the request id. It replaces the three per-domain event tables
  (申报记录、推荐名单记录、评审任务记录), which a data migration folded in.
* ``OutboxEvent`` — a typed domain event, written in the same transaction as the change and delivered to its
  subscribers once that transaction commits. A subscriber that fails is logged and retried later
  (``tidu deliver_events``); the change it reports is never undone by it and the event is never lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tidu.core import clock


class AppendOnlyError(RuntimeError):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    def delete(self):
        raise AppendOnlyError("audit entries are append-only")

    def for_object(self, object_type: str, object_id) -> AuditQuerySet:
        return self.filter(object_type=object_type, object_id=str(object_id))

    def for_application(self, application_id) -> AuditQuerySet:
        """Everything recorded about one application, whatever the object (the application, its evidence …)."""
        return self.filter(application_id=application_id)


class AuditEntry(models.Model):
    """Who did what, when, on which object and on which facts. Never updated, never deleted."""

    created_at = models.DateTimeField(_("时间"), default=clock.record_now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("操作人"))
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    # The object acted on: a kind ("application", "recommendation_list", "assignment", "enterprise" …) and its id.
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象编号"), max_length=64)
    # The application the object belongs to, when it belongs to one (for one timeline per application).
    application_id = models.BigIntegerField(_("所属申报"), null=True, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=60)
    from_status = models.CharField(_("原状态"), max_length=40, blank=True)
    to_status = models.CharField(_("新状态"), max_length=40, blank=True)
    reason = models.TextField(_("意见或原因"), blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    content_sha256 = models.CharField(_("内容摘要"), max_length=64, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="audit_object_idx"),
                   models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
                   models.Index(fields=["action", "created_at"], name="audit_action_idx")]

    def __str__(self):
        return f"{self.object_type}:{self.object_id} {self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    # What the three folded event tables used to offer, so readers keep their shape.
    @property
    def section_reasons(self) -> dict:
        return self.detail.get("section_reasons", {}) if isinstance(self.detail, dict) else {}


class OutboxEvent(models.Model):
    """A domain event waiting for (or past) delivery to its subscribers."""

    name = models.CharField(_("事件"), max_length=80, db_index=True)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    # Subscriber keys that have handled the event; the rest are retried.
    delivered_to = models.JSONField(_("已送达"), default=list, blank=True)
    delivered_at = models.DateTimeField(_("全部送达时间"), null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}#{self.pk}"


class RateLimitHit(models.Model):
    """One use of a rate-limited action (tidu/core/ratelimit.py); rows older than the window are removed."""

    scope = models.CharField(_("限制类别"), max_length=40)
    key = models.CharField(_("限制对象"), max_length=200)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("频率限制记录")
        verbose_name_plural = _("频率限制记录")
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="ratelimit_scope_key_idx")]

    def __str__(self):
        return f"{self.scope}:{self.key}"
