import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from tidu.enterprises.imports import resume_stale_imports
from tidu.review.services import resume_stale_batches


class Command(BaseCommand):
    help = ("继续办理中断的批量操作和企业批量导入（工作进程中途退出后，未办理的部分由任务工作进程继续办理）；"
            "生产环境每分钟运行一次（systemd timer 或 cron）")

    def add_arguments(self, parser):
        parser.add_argument("--stale-seconds", type=int, default=getattr(settings, "TIDU_BATCH_STALE_SECONDS", 120),
                            help="多久没有进展即视为中断（秒）")

    def handle(self, *args, **options):
        ids = resume_stale_batches(older_than=dt.timedelta(seconds=options["stale_seconds"]))
        self.stdout.write(f"重新启动 {len(ids)} 个批量操作" + (f"：{', '.join(map(str, ids))}" if ids else ""))
        imported = resume_stale_imports(older_than=dt.timedelta(seconds=options["stale_seconds"]))
        self.stdout.write(f"重新启动 {len(imported)} 个企业批量导入"
                          + (f"：{', '.join(map(str, imported))}" if imported else ""))
