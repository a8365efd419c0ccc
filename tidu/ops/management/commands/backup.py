from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tidu.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库与全部上传文件（含 sha256 清单）到一个新目录；恢复见 tidu restore"

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.TIDU_BACKUP_DIR),
                            help="备份存放目录（默认 TIDU_BACKUP_DIR）")
        parser.add_argument("--database-only", action="store_true",
                            help="只备份数据库，不复制上传文件（对象存储自带版本与异地复制时使用）")

    def handle(self, *args, **options):
        try:
            folder = create_backup(Path(options["output"]), media=not options["database_only"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"备份完成：{folder}")
