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
    # One dict per (application, changed clause), written once at the end of the run. Fine for a call of a few
    # hundred applications; for 10,000 with a broad change (every applicant × several clauses) this one value
    # grows to megabytes, is read whole for every page and export and filtered in Python (views._context). The
    # next step is a WhatIfRow table (run FK, application, receipt, enterprise, clause, before, after, outcomes,
    # why; index on (run, clause)), bulk_create per CHUNK in services._judge_all, Paginator over the queryset in
    # the view and .iterator() in the exports; summary stays JSON. Not done yet (see the issue 13 report).
    rows = models.JSONField(_("结果变化"), default=list, blank=True)
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
