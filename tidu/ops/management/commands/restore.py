from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tidu.ops.backup import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = "从 tidu backup 的备份目录恢复数据库与上传文件；先按清单校验全部文件，不符则不做任何改动"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="备份目录（tidu-backup-…）")
        parser.add_argument("--check", action="store_true", help="只校验备份，不恢复")
        parser.add_argument("--replace", action="store_true",
                            help="目标数据库已有数据时仍然恢复（用备份覆盖现有数据）")

    def handle(self, *args, **options):
        folder = Path(options["folder"])
        try:
            if options["check"]:
                manifest = verify_backup(folder)
                self.stdout.write(f"备份完好：{len(manifest['files'])} 个文件与清单一致（{manifest['created_at']}）")
                return
            manifest = restore_backup(folder, replace=options["replace"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = sum(1 for item in manifest["files"] if item["path"].startswith("media/"))
        files = f"{media} 个文件" if manifest.get("media", True) else "（此备份不含上传文件，文件须从对象存储的版本中恢复）"
        self.stdout.write(f"恢复完成：数据库（{manifest['database']['vendor']}）与 {files}，"
                          f"备份时间 {manifest['created_at']}。如代码版本比备份新，请接着运行 tidu migrate。")
