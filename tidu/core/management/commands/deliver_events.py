from django.core.management.base import BaseCommand

from tidu.core.events import deliver_pending, run_retries


class Command(BaseCommand):
    help = "重试投递尚未送达的领域事件（通知等）；生产环境每分钟运行一次（systemd timer 或 cron）"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, **options):
        delivered, pending = deliver_pending(options["limit"])
        self.stdout.write(f"送达 {delivered} 个事件，仍待重试 {pending} 个")
        for key, (done, failing) in run_retries().items():
            self.stdout.write(f"{key}：重试成功 {done} 条，仍失败 {failing} 条")
