import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from tidu.enterprises.imports import resume_stale_imports
from tidu.readiness.services import resume_stale_snapshot_runs
from tidu.review.services import resume_stale_batches
from tidu.whatif.services import resume_stale_runs


class Command(BaseCommand):
    help = ("继续办理中断的批量操作、企业批量导入、批量诊断快照和政策试算（工作进程中途退出后，未办理的部分由任务工作进程继续办理）；"
            "生产环境每分钟运行一次（systemd timer 或 cron）")

    def add_arguments(self, parser):
        parser.add_argument("--stale-seconds", type=int, default=getattr(settings, "TIDU_BATCH_STALE_SECONDS", 120),
                            help="多久没有进展即视为中断（秒）")

    def handle(self, *args, **options):
        older_than = dt.timedelta(seconds=options["stale_seconds"])
        for label, resume in (("批量操作", resume_stale_batches), ("企业批量导入", resume_stale_imports),
                              ("批量诊断快照", resume_stale_snapshot_runs), ("政策试算", resume_stale_runs)):
            ids = resume(older_than=older_than)
            self.stdout.write(f"重新启动 {len(ids)} 个{label}" + (f"：{', '.join(map(str, ids))}" if ids else ""))
