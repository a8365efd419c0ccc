"""``tidu archive_call <call code>``: build a call's archive (归档包) now, in this process, and say where it is."""

from django.core.management.base import BaseCommand, CommandError

from tidu.policy.models import Call
from tidu.records import archive, operations
from tidu.records.models import ArchiveJob


class Command(BaseCommand):
    help = "生成一个申报批次的归档包（zip：申报材料、推荐名单、评审与公示记录、操作日志、manifest.csv）。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="申报批次编号")
        parser.add_argument("--interchange", action="store_true",
                            help="改为生成交换数据包：每份申报最新一次提交的交换格式 JSON，可用 tidu evaluate 重新判定")

    def handle(self, *args, code: str, interchange: bool = False, **options):
        call = Call.objects.filter(code=code).first()
        if call is None:
            raise CommandError(f"没有编号为 {code} 的申报批次。")
        job = operations.start_from_command_line(
            call, ArchiveJob.Kind.INTERCHANGE if interchange else ArchiveJob.Kind.ARCHIVE)
        result = archive.run_job(job.pk)
        job = ArchiveJob.objects.get(pk=job.pk)
        if result.get("status") != "done":
            raise CommandError(f"归档失败：{job.message}")
        self.stdout.write(f"{job.result_name}: {job.result.name} ({job.size} bytes, {job.file_count} files, "
                          f"sha256 {job.sha256})")
