"""Long work run as a django-tasks job, with its progress on a row: the fields and plumbing every job model shares
(``documents.DocumentJob``, ``records.ArchiveJob``). A concrete job adds what it is about, its ``result`` file
(its own storage path), who started it and anything it records about the result."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FAILED_MESSAGE = "生成失败：{name}。请稍后重试或联系管理员。"


class BackgroundJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    result_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    # --- the plumbing (by id: the worker's row may be changed by the page polling it) ------------------------

    @classmethod
    def mark_running(cls, job_id: int) -> None:
        cls.objects.filter(pk=job_id).update(status=cls.Status.RUNNING, started_at=timezone.now(), progress=1,
                                             message="开始生成")

    @classmethod
    def progress_writer(cls, job_id: int) -> Callable[[int, str], None]:
        """A ``progress(percent, message)`` that writes to the row (kept below 100 until the job is done)."""
        def write(percent: int, message: str) -> None:
            cls.objects.filter(pk=job_id).update(progress=max(0, min(99, int(percent))), message=message[:500])
        return write

    @classmethod
    def mark_failed(cls, job_id: int, message: str) -> None:
        cls.objects.filter(pk=job_id).update(status=cls.Status.FAILED, message=message[:500],
                                             finished_at=timezone.now())

    @classmethod
    def failure_message(cls, exc: BaseException) -> str:
        return FAILED_MESSAGE.format(name=type(exc).__name__)

    def mark_done(self, *extra_fields: str) -> None:
        """Save the finished job: its result fields (``extra_fields``, set by the caller) and the done status."""
        self.status, self.progress, self.message, self.finished_at = self.Status.DONE, 100, "已完成", timezone.now()
        self.save(update_fields=[*extra_fields, "status", "progress", "message", "finished_at"])
