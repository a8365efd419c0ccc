"""The archive of a call (归档包): one zip a records office can read without the platform."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.policy.models import Call


def _archive_path(instance, filename):
    return f"records/archives/{instance.pk or 'new'}/{filename}"


class ArchiveJob(models.Model):
    """Building one call's archive in the background (django-tasks), with its progress and its result."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("归档包")
        INTERCHANGE = "interchange", _("交换数据包（JSON）")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="archive_jobs", verbose_name=_("申报批次"))
    # 归档包 for people; 交换数据包: every submission's frozen interchange JSON, for machines (``tidu evaluate``).
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ARCHIVE)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    result = models.FileField(_("归档文件"), upload_to=_archive_path, max_length=300, blank=True)
    result_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    file_count = models.PositiveIntegerField(_("文件数"), default=0)
    # None when started from the command line (``tidu archive_call``).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("发起人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("归档任务")
        verbose_name_plural = _("归档任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.call} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED
