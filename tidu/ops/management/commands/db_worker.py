"""`tidu db_worker`: django-tasks' database worker, plus a heartbeat that /healthz reads.

tidu.ops sits before django_tasks_db in INSTALLED_APPS, so this command takes the name `db_worker`; all
options are the library's.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from tidu.ops.heartbeat import Heartbeat


class Command(DatabaseWorkerCommand):
    help = "后台任务工作进程（django-tasks 数据库后端），运行时每隔几秒记录心跳，供 /healthz 检查"

    def handle(self, *args, **options):
        # With --reload the parent only watches files; the child that runs tasks beats.
        if options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            return super().handle(*args, **options)
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop()
