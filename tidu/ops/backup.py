"""Backup and restore: the database (pg_dump / the SQLite backup API) and the media files, with a sha256 manifest.

A backup is a folder ``tidu-backup-<UTC time>/``::

    manifest.json          what is in it: format, time, database vendor, applied migrations, every file's
                           size and sha256
    manifest.json.sha256   the manifest's own sha256 (catches a damaged manifest)
    database.dump          PostgreSQL: pg_dump custom format   |  database.sqlite3  SQLite: a page copy
    media/…                every file of the default storage (evidence, generated documents), local or S3

It is written under a ``.partial`` name and renamed when complete, so a broken-off backup is never taken
for a good one. ``restore`` checks the whole folder against the manifest before it touches anything and
refuses any difference; it also refuses a non-empty database unless told to replace it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from tidu.core.errors import TiduError
from tidu.ops.models import WorkerHeartbeat

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
MEDIA_DIR = "media"
DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# Probe objects of /healthz are not data.
SKIP_PREFIXES = ("healthz/",)
CHUNK = 1024 * 1024


class BackupError(TiduError):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# --- database ----------------------------------------------------------------------------------------------

def _pg_env() -> tuple[dict[str, str], str]:
    s = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    if (s.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = s["OPTIONS"]["sslmode"]
    return env, s["NAME"]


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端（apt-get install postgresql-client），"
                            "版本不低于数据库服务器") % {"tool": command[0]})
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(_("%(what)s失败（%(tool)s 退出码 %(code)s）") % {
            "what": what, "tool": command[0], "code": result.returncode}, [result.stderr.strip()[-2000:]])


def dump_database(folder: Path) -> str:
    vendor = connection.vendor
    if vendor not in DUMP_FILES:
        raise BackupError(_("不支持备份 %(vendor)s 数据库") % {"vendor": vendor})
    target = folder / DUMP_FILES[vendor]
    if vendor == "postgresql":
        env, name = _pg_env()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", name], env,
             _("导出数据库"))
    else:
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent snapshot even while the site writes
        finally:
            copy.close()
            source.close()
    return target.name


def _database_has_tables() -> bool:
    return bool(connection.introspection.table_names())


def load_database(folder: Path, vendor: str) -> None:
    source = folder / DUMP_FILES[vendor]
    connections.close_all()
    if vendor == "postgresql":
        env, name = _pg_env()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", "--exit-on-error",
              "--single-transaction", f"--dbname={name}", str(source)], env, _("恢复数据库"))
    else:
        backup = sqlite3.connect(source)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            backup.backup(target)
        finally:
            target.close()
            backup.close()


def _applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


# --- media -------------------------------------------------------------------------------------------------

def _storage_files(prefix: str = "") -> Iterator[str]:
    try:
        directories, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{prefix}{name}"
    for directory in sorted(directories):
        yield from _storage_files(f"{prefix}{directory}/")


def _safe_media_name(relative: str) -> str:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_("备份中的文件名不安全：%(name)s") % {"name": relative})
    return str(path)


# --- backup ------------------------------------------------------------------------------------------------

def create_backup(output_dir: Path, *, media: bool = True) -> Path:
    """Write a complete backup folder under ``output_dir`` and return its path.

    ``media=False`` leaves the files out (for object storage with its own versioning and replication, where
    copying terabytes every night is not practical); the manifest records that.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    final = output_dir / f"tidu-backup-{stamp}"
    suffix = 1
    while final.exists():
        suffix += 1
        final = output_dir / f"tidu-backup-{stamp}-{suffix}"
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        dump_name = dump_database(partial)
        media_root = partial / MEDIA_DIR
        media_root.mkdir()
        for name in _storage_files() if media else ():
            if name.startswith(SKIP_PREFIXES):
                continue
            destination = media_root / _safe_media_name(name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        files = []
        for path in sorted(p for p in partial.rglob("*") if p.is_file()):
            files.append({"path": path.relative_to(partial).as_posix(), "size": path.stat().st_size,
                          "sha256": sha256_of(path)})
        manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "database": {"vendor": connection.vendor, "file": dump_name}, "media": media,
                    "migrations": _applied_migrations(), "files": files}
        text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
        (partial / MANIFEST).write_text(text, encoding="utf-8")
        (partial / MANIFEST_SUM).write_text(
            f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}  {MANIFEST}\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    return final


# --- restore -----------------------------------------------------------------------------------------------

def verify_backup(folder: Path) -> dict:
    """The manifest, once every file in ``folder`` matches it; otherwise BackupError listing each difference."""
    if not (folder / MANIFEST).is_file():
        raise BackupError(_("%(folder)s 不是 tidu 备份：缺少 manifest.json") % {"folder": folder})
    raw = (folder / MANIFEST).read_bytes()
    problems = []
    if (folder / MANIFEST_SUM).is_file():
        expected = (folder / MANIFEST_SUM).read_text(encoding="utf-8").split()[0]
        if hashlib.sha256(raw).hexdigest() != expected:
            problems.append(_("manifest.json 的校验值与 manifest.json.sha256 不符"))
    else:
        problems.append(_("缺少 manifest.json.sha256"))
    try:
        manifest = json.loads(raw.decode("utf-8"))
        listed = {item["path"]: item for item in manifest["files"]}
        vendor = manifest["database"]["vendor"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(_("备份校验失败，未做任何改动：manifest.json 无法读取"), problems) from None
    if manifest.get("format") != FORMAT:
        problems.append(_("备份格式 %(format)s 不受支持") % {"format": manifest.get("format")})
    if vendor not in DUMP_FILES or DUMP_FILES[vendor] not in listed:
        problems.append(_("清单中没有数据库文件"))
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST, MANIFEST_SUM}
    for path in sorted(set(listed) - present):
        problems.append(_("缺少文件：%(path)s") % {"path": path})
    for path in sorted(present - set(listed)):
        problems.append(_("清单之外的文件：%(path)s") % {"path": path})
    for path in sorted(set(listed) & present):
        item, file = listed[path], folder / path
        if file.stat().st_size != item["size"] or sha256_of(file) != item["sha256"]:
            problems.append(_("文件内容与清单不符（sha256 不同）：%(path)s") % {"path": path})
    if problems:
        raise BackupError(_("备份校验失败，未做任何改动："), problems)
    return manifest


def restore_backup(folder: Path, *, replace: bool = False) -> dict:
    """Verify ``folder``, then load its database and media files. Returns the manifest."""
    manifest = verify_backup(folder)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(_("备份来自 %(backup)s 数据库，当前数据库是 %(current)s，未做任何改动") % {
            "backup": vendor, "current": connection.vendor})
    if not replace and _database_has_tables():
        raise BackupError(_("目标数据库已有数据表，未做任何改动：请恢复到新建的空数据库；"
                            "确认要用备份覆盖当前数据时加 --replace"))
    load_database(folder, vendor)
    # The heartbeats in the copy describe the workers of the machine that was backed up, not this one.
    WorkerHeartbeat.objects.all().delete()
    media_root = folder / MEDIA_DIR
    for item in manifest["files"]:
        if not item["path"].startswith(f"{MEDIA_DIR}/"):
            continue
        name = _safe_media_name(item["path"][len(MEDIA_DIR) + 1:])
        if default_storage.exists(name):
            default_storage.delete(name)
        with (media_root / name).open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(_("文件恢复后名称变了：%(name)s → %(saved)s") % {"name": name, "saved": saved})
    return manifest
