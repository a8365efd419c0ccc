from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per running task worker (`tidu db_worker`), rewritten every few seconds by a thread of it.

    "Alive" means: the worker process runs and reached the database within TIDU_WORKER_STALE_SECONDS. It
    does not promise that the task it is running will finish; ``busy_since`` shows how long that has taken.
    A worker that stops cleanly deletes its row; one that is killed leaves a row that goes stale.
    """

    worker_id = models.CharField(_("工作进程编号"), max_length=64, unique=True)
    hostname = models.CharField(_("主机"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("进程号"), default=0)
    started_at = models.DateTimeField(_("启动时间"))
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)
    tasks_run = models.PositiveIntegerField(_("已执行任务数"), default=0)
    busy_since = models.DateTimeField(_("当前任务开始时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("任务工作进程心跳")
        verbose_name_plural = _("任务工作进程心跳")

    def __str__(self):
        return f"{self.worker_id}@{self.hostname}"
