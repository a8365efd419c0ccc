"""Dated readiness snapshots: what an enterprise's recorded state met, tier by tier, on one day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.enterprises.models import Enterprise


class ReadinessSnapshot(models.Model):
    """One diagnosis kept as it was judged (``readiness.snapshot``); never updated. The columns the city's
    distribution counts are stored beside the JSON so the dashboard is one aggregate query."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="readiness_snapshots",
                                   verbose_name=_("企业"))
    taken_at = models.DateTimeField(_("诊断时间"), db_index=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("操作人"))
    source = models.CharField(_("依据"), max_length=200, blank=True)
    current_tier = models.CharField(_("已具备等级"), max_length=20, blank=True)
    current_rank = models.PositiveSmallIntegerField(_("已具备等级序号"), default=0)
    next_tier = models.CharField(_("下一等级"), max_length=20, blank=True)
    domains_short = models.PositiveSmallIntegerField(_("距下一等级尚缺领域数"), null=True, blank=True)
    policy_versions = models.JSONField(_("策略包版本"), default=dict)
    tiers = models.JSONField(_("各等级判定"), default=list)
    coverage = models.JSONField(_("环节覆盖"), default=dict)
    gaps = models.JSONField(_("差距清单"), null=True, blank=True)

    class Meta:
        verbose_name = _("就绪度诊断快照")
        verbose_name_plural = _("就绪度诊断快照")
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-taken_at"], name="readiness_latest_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.taken_at:%Y-%m-%d}"

    def result(self) -> dict:
        """The stored diagnosis in the shape of ``Readiness.as_dict``."""
        return {"tiers": self.tiers, "coverage": self.coverage, "gaps": self.gaps, "current": self.current_tier,
                "next": self.next_tier, "current_rank": self.current_rank, "domains_short": self.domains_short,
                "policy_versions": self.policy_versions}


class ReadinessProfile(models.Model):
    """What an enterprise without any 申报书 records for its self-diagnosis (the readiness-only form): its
    maturity self-assessment level, its construction scope and the typical scenarios it has built."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.PROTECT, related_name="readiness_profile",
                                      verbose_name=_("企业"))
    maturity_level = models.PositiveSmallIntegerField(_("成熟度自评估等级"), null=True, blank=True)
    scope = models.CharField(_("建设范围"), max_length=20, blank=True)
    scenarios = models.JSONField(_("已建设的典型场景"), default=list, blank=True)  # [{"id", "uses_ai"}]
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("更新人"))

    class Meta:
        verbose_name = _("就绪度自评信息")
        verbose_name_plural = _("就绪度自评信息")

    def __str__(self) -> str:
        return str(self.enterprise)


class SnapshotRun(models.Model):
    """The city's “为全部企业生成诊断快照”: a job that takes a snapshot of every confirmed enterprise, in committed
    chunks in enterprise-id order. ``cursor`` is the last enterprise done, moved on in the same transaction as
    that chunk's snapshots, so a job started again (after a worker died) goes on where the last chunk ended."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total = models.PositiveIntegerField(_("企业数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    failed = models.PositiveIntegerField(_("未能生成"), default=0)
    cursor = models.PositiveBigIntegerField(_("已处理到的企业编号"), default=0)
    last_error = models.CharField(_("最近一条未能生成的原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("批量生成诊断快照")
        verbose_name_plural = _("批量生成诊断快照")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, int(100 * (self.done + self.failed) / self.total))
