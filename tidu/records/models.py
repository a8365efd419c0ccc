"""The archive of a call (归档包): one zip a records office can read without the platform."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.core.jobs import BackgroundJob
from tidu.policy.models import Call


def _archive_path(instance, filename):
    return f"records/archives/{instance.pk or 'new'}/{filename}"


class ArchiveJob(BackgroundJob):
    """Building one call's archive in the background (django-tasks, tidu.core.jobs), with its progress and result."""

    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("归档包")
        INTERCHANGE = "interchange", _("交换数据包（JSON）")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="archive_jobs", verbose_name=_("申报批次"))
    # 归档包 for people; 交换数据包: every submission's frozen interchange JSON, for machines (``tidu evaluate``).
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ARCHIVE)
    result = models.FileField(_("归档文件"), upload_to=_archive_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    file_count = models.PositiveIntegerField(_("文件数"), default=0)
    # None when started from the command line (``tidu archive_call``).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("发起人"))

    class Meta:
        verbose_name = _("归档任务")
        verbose_name_plural = _("归档任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.call} #{self.pk}"
