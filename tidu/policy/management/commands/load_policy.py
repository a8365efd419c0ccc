from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tidu.policy.loader import PackError, PackLibrary
from tidu.policy.services import policy_load_library


class Command(BaseCommand):
    help = "校验并载入策略包（等级、场景、指标、成熟度模型与申报批次）。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.TIDU_POLICY_DIR), help="策略包目录")

    def handle(self, *args, **options):
        try:
            report = policy_load_library(PackLibrary.from_directory(options["dir"]))
        except PackError as exc:
            raise CommandError(str(exc)) from exc
        for ref in report.created:
            self.stdout.write(f"载入 {ref}")
        if report.unchanged:
            self.stdout.write(f"未变化 {len(report.unchanged)} 个策略包")
        for code in report.calls:
            self.stdout.write(f"申报批次 {code} 已就绪")
