"""tidu backup / tidu restore: a round trip brings back the rows and the files; a damaged backup is refused.

Runs on the test database of the run: SQLite (the sqlite backup API) or, with DATABASE_URL pointing at
PostgreSQL, pg_dump / pg_restore (which must be installed: apt-get install postgresql-client).
"""

import io
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tidu.accounts.models import User
from tidu.core.models import AuditEntry
from tidu.ops.heartbeat import Heartbeat
from tidu.ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip().split("：", 1)[1])
    assert folder.is_dir() and folder.name.startswith("tidu-backup-")
    return folder


@pytest.fixture
def data():
    user = User.objects.create_user(username="backup_probe", password="pw-not-used-123", first_name="备份测试")
    AuditEntry.objects.create(actor=user, object_type="user", object_id=str(user.pk), action="probe")
    name = default_storage.save("evidence/probe/佐证.pdf", ContentFile(b"%PDF-1.4 evidence bytes"))
    return user, name


def test_round_trip_restores_rows_and_files(tmp_path, data):
    user, name = data
    Heartbeat("worker-of-the-old-machine").beat()
    folder = backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["vendor"] == connection.vendor
    assert {item["path"] for item in manifest["files"]} >= {f"media/{name}", manifest["database"]["file"]}

    # Everything changes after the backup: the user is renamed, a new one appears, the file is lost.
    User.objects.filter(pk=user.pk).update(first_name="改过")
    User.objects.create_user(username="after_backup", password="pw-not-used-123")
    default_storage.delete(name)

    out = io.StringIO()
    call_command("restore", str(folder), "--replace", stdout=out)
    assert "恢复完成" in out.getvalue()
    assert User.objects.get(pk=user.pk).first_name == "备份测试"
    assert not User.objects.filter(username="after_backup").exists()
    assert AuditEntry.objects.filter(action="probe", object_id=str(user.pk)).count() == 1
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"%PDF-1.4 evidence bytes"
    # The copy's worker heartbeats belong to the machine that was backed up: /healthz must not count them.
    assert not WorkerHeartbeat.objects.exists()


def test_a_changed_file_is_refused_before_anything_is_touched(tmp_path, data):
    user, name = data
    folder = backup(tmp_path)
    with (folder / "media" / name).open("ab") as handle:
        handle.write(b"tampered")
    User.objects.filter(pk=user.pk).update(first_name="备份之后")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(folder), "--replace")
    assert "备份校验失败，未做任何改动" in str(refused.value)
    assert f"media/{name}" in str(refused.value) and "sha256" in str(refused.value)
    assert User.objects.get(pk=user.pk).first_name == "备份之后"  # untouched


def test_missing_extra_and_manifest_damage_are_each_named(tmp_path, data):
    folder = backup(tmp_path)
    (folder / "media" / data[1]).unlink()
    (folder / "media" / "extra.txt").write_text("x")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(folder), "--check")
    message = str(refused.value)
    assert f"缺少文件：media/{data[1]}" in message and "清单之外的文件：media/extra.txt" in message

    folder = backup(tmp_path)
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"format": 1', '"format": 1 '), encoding="utf-8")
    with pytest.raises(CommandError, match="manifest.json 的校验值与 manifest.json.sha256 不符"):
        call_command("restore", str(folder), "--check")


def test_a_database_with_tables_needs_replace_and_a_folder_needs_a_manifest(tmp_path, data):
    folder = backup(tmp_path)
    out = io.StringIO()
    call_command("restore", str(folder), "--check", stdout=out)
    assert "备份完好" in out.getvalue()
    with pytest.raises(CommandError, match="目标数据库已有数据表，未做任何改动"):
        call_command("restore", str(folder))
    with pytest.raises(CommandError, match="不是 tidu 备份：缺少 manifest.json"):
        call_command("restore", str(tmp_path))


def test_database_only_backup_has_no_media(tmp_path, data):
    out = io.StringIO()
    call_command("backup", "--database-only", "--output", str(tmp_path / "db-only"), stdout=out)
    folder = Path(out.getvalue().strip().split("：", 1)[1])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["media"] is False
    assert [item["path"] for item in manifest["files"]] == [manifest["database"]["file"]]
    out = io.StringIO()
    call_command("restore", str(folder), "--replace", stdout=out)
    assert "此备份不含上传文件" in out.getvalue()


def test_an_interrupted_backup_leaves_no_folder_that_looks_complete(tmp_path, data, monkeypatch):
    from tidu.ops import backup as backup_module

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backup_module, "sha256_of", fail)
    with pytest.raises(OSError):
        call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    assert list((tmp_path / "backups").iterdir()) == []
