from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.policy.models import Call, PackDraft


class WhatIfRun(models.Model):
    """One what-if: every submitted application of ``call`` re-judged under a draft pack (a background job).

    It reads the frozen submissions and writes only this row: no stored verdict is ever touched.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("试算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    draft = models.ForeignKey(PackDraft, on_delete=models.CASCADE, related_name="whatif_runs",
                              verbose_name=_("草稿版本"))
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="whatif_runs", verbose_name=_("批次"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)
    # Where the run has got to: the last application id judged, moved on in the same transaction as that chunk's
    # rows and counts, so a run started again after its worker died goes on where the last chunk ended.
    cursor = models.PositiveBigIntegerField(_("已试算到的申报编号"), default=0)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("政策试算")
        verbose_name_plural = _("政策试算")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.draft.ref} × {self.call.code} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED


class WhatIfRow(models.Model):
    """One clause of one application whose result differs between the call's policy and the draft."""

    run = models.ForeignKey(WhatIfRun, on_delete=models.CASCADE, related_name="changes", verbose_name=_("试算"))
    application_id = models.PositiveBigIntegerField(_("申报编号"))
    receipt = models.CharField(_("回执编号"), max_length=64)
    enterprise = models.CharField(_("企业名称"), max_length=200)
    clause = models.CharField(_("条款"), max_length=100)
    before = models.CharField(_("原结果"), max_length=20, blank=True)
    after = models.CharField(_("新结果"), max_length=20, blank=True)
    outcome_before = models.CharField(_("原结论"), max_length=20, blank=True)
    outcome_after = models.CharField(_("新结论"), max_length=20, blank=True)
    stored_outcome = models.CharField(_("提交时判定"), max_length=20, blank=True)
    why = models.TextField(_("新结果的理由"), blank=True)

    class Meta:
        verbose_name = _("试算结果变化")
        verbose_name_plural = _("试算结果变化")
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "clause", "id"], name="whatif_row_run_clause")]

    def __str__(self) -> str:
        return f"{self.receipt} {self.clause}: {self.before} → {self.after}"
