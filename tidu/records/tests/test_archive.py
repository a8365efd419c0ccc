"""The archive (归档包) of a call that went all the way to its 认定名单: built by the job, unpacked, checked."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from tidu.core.models import AuditEntry
from tidu.publicity import services as publicity_services
from tidu.publicity.tests.conftest import AFTER, DURING, entry_of
from tidu.records import archive, services
from tidu.records.models import ArchiveJob
from tidu.records.selectors import call_audit_entries

pytestmark = pytest.mark.django_db


def lodge(publicity, entry, address):
    return publicity_services.objection_submit(publicity=publicity, entry=entry, name="张三", phone="13900001111",
                                               email="", content="该企业申报的在线视觉检测场景实际并未投入使用，请核实。",
                                               client_address=address, now=DURING)


@pytest.fixture
def finalised(published, verified, city):
    upheld = lodge(published, entry_of(published, verified["b"]), "203.0.113.1")
    publicity_services.objection_handle(objection=upheld, user=city, investigation="核实属实。", outcome="upheld",
                                        reply="异议成立。")
    publicity_services.entry_reject(objection=upheld, user=city, reason="场景未投入使用")
    kept = lodge(published, entry_of(published, verified["a"]), "198.51.100.2")
    publicity_services.objection_handle(objection=kept, user=city, investigation="核实不属实。", outcome="not_upheld",
                                        reply="异议不成立。")
    return publicity_services.publicity_finalise(publicity=published, user=city, now=AFTER)


def read_csv(archive_zip: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive_zip.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_call_archive_is_complete_and_its_manifest_verifies(client, world, verified, finalised, city):
    call = world["call"]
    client.force_login(city)
    response = client.post(reverse("records:archive", args=[call.pk]))
    job = ArchiveJob.objects.get(call=call)
    assert response.url == reverse("records:archive_job", args=[job.pk])
    assert job.status == ArchiveJob.Status.DONE, job.message
    page = client.get(response.url).content.decode()
    assert reverse("records:archive_download", args=[job.pk]) in page
    download = client.get(reverse("records:archive_download", args=[job.pk]))
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == job.sha256

    with zipfile.ZipFile(io.BytesIO(content)) as unpacked:
        assert unpacked.testzip() is None
        names = set(unpacked.namelist())
        manifest = read_csv(unpacked, "manifest.csv")
        listed = {row["路径 path"]: row for row in manifest}
        # Every file but the manifest itself is listed, with its size and SHA-256.
        assert set(listed) == names - {"manifest.csv"} and len(listed) == job.file_count
        for name, row in listed.items():
            data = unpacked.read(name)
            assert hashlib.sha256(data).hexdigest() == row["SHA-256"] and len(data) == int(row["字节 size"]), name

        for application in verified.values():
            folder = f"申报材料/{application.pk:05d}-"
            files = [name for name in names if name.startswith(folder)]
            assert any(name.endswith("装订版申报材料.pdf") for name in files)
            assert unpacked.read(next(n for n in files if n.endswith(".pdf"))).startswith(b"%PDF")
            evidence = {e.sha256 for e in application.evidence.all()}
            assert evidence and evidence <= {listed[name]["SHA-256"] for name in files}
            assert any("提交回执-" in name for name in files)
        assert {name.rsplit(".", 1)[-1] for name in names if name.startswith("推荐名单/")} >= {"xlsx", "json"}

        final = read_csv(unpacked, "公示与认定/认定名单.csv")
        assert len(final) == len(finalised.final_snapshot["entries"]) == 2
        objections = read_csv(unpacked, "公示与认定/异议及处理.csv")
        assert len(objections) == 2 and any("异议成立。" in row.values() for row in objections)
        assert len(read_csv(unpacked, "评审/评审结论.csv")) == 3

        # The 操作日志 covers every state change about the call: every application's rows, the 推荐名单,
        # the 公示 and its entries and objections, and the start of this very archive.
        logged = {int(row["序号"]) for row in read_csv(unpacked, "操作日志.csv")}
        expected = set(call_audit_entries(call).values_list("pk", flat=True))
        assert logged == expected
        for application in verified.values():
            assert set(AuditEntry.objects.filter(application_id=application.pk).values_list("pk", flat=True)) <= logged
        for object_type in ("publicity", "publicity_entry", "objection", "recommendation_list", "archive_job"):
            assert AuditEntry.objects.filter(object_type=object_type).exists(), object_type
            assert set(AuditEntry.objects.filter(object_type=object_type).values_list("pk", flat=True)) <= logged


class CountingFile:
    """A binary file that remembers each write: the zip must arrive in many small pieces, not at the end."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.writes: list[int] = []

    def write(self, data):
        self.writes.append(len(data))
        return self.buffer.write(data)

    def tell(self):
        return self.buffer.tell()

    def seek(self, *args):
        return self.buffer.seek(*args)

    def flush(self):
        pass


def test_the_archive_is_written_entry_by_entry_into_the_file(world, verified, city):
    handle = CountingFile()
    sizes_when_reported = []
    count = archive.build_archive(world["call"], handle,
                                  lambda percent, message: sizes_when_reported.append(handle.buffer.tell()))
    total = handle.buffer.tell()
    assert count > 10 and len(handle.writes) > count
    # The file grew while the archive was being built (each entry went to the file as it was written) …
    assert 0 < sizes_when_reported[-1] < total and sorted(sizes_when_reported) == sizes_when_reported
    # … and no single write held the archive.
    assert max(handle.writes) < total / 2


def test_a_second_start_while_one_runs_is_refused_and_others_cannot_start(client, world, city):
    call = world["call"]
    ArchiveJob.objects.create(call=call, created_by=city, status=ArchiveJob.Status.RUNNING)
    with pytest.raises(services.operations.ArchiveError, match="正在生成"):
        services.start_archive(call, city)
    for key in ("a", "x", "expert"):
        client.force_login(world["users"][key])
        assert client.post(reverse("records:archive", args=[call.pk])).status_code == 403
    assert ArchiveJob.objects.count() == 1


def test_the_command_builds_the_archive(world, verified, capsys):
    call_command("archive_call", world["call"].code)
    job = ArchiveJob.objects.get()
    assert job.status == ArchiveJob.Status.DONE and job.created_by is None
    assert job.sha256 in capsys.readouterr().out
    entry = AuditEntry.objects.get(object_type="archive_job", object_id=str(job.pk))
    assert entry.actor is None and entry.action == "archive.start"


def test_a_file_missing_from_storage_is_noted_not_fatal(world, verified):
    evidence = verified["a"].evidence.first()
    evidence.file.storage.delete(evidence.file.name)
    handle = io.BytesIO()
    archive.build_archive(world["call"], handle)
    with zipfile.ZipFile(handle) as unpacked:
        missing = [name for name in unpacked.namelist() if name.endswith("-文件缺失.txt")]
        assert len(missing) == 1 and evidence.sha256 in unpacked.read(missing[0]).decode()


def test_the_archive_holds_each_review_sessions_sign_in_sheet(world, verified, city):
    from pypdf import PdfReader

    from tidu import testing as build
    from tidu.documents.models import VerificationCode
    from tidu.experts import services as expert_services

    call = world["call"]
    expert = build.expert("e_archive", "孙专家", profile=True, employer="武汉某大学", email=None)
    session = expert_services.review_session_save(user=city, call=call, data={
        "name": "第一次评审会", "date": dt.date(2026, 3, 20), "place": "市经信局三楼会议室", "experts": [expert],
        "applications": list(verified.values())})
    handle = io.BytesIO()
    archive.build_archive(call, handle)
    with zipfile.ZipFile(io.BytesIO(handle.getvalue())) as unpacked:
        name = "评审/评审会/20260320-第一次评审会-专家签到表.pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(unpacked.read(name))).pages)
        text = text.replace(" ", "").replace("\n", "").replace("\u200b", "")
        assert "专家签到表" in text and "孙专家" in text and "市经信局三楼会议室" in text
        assert all(a.enterprise.name in text for a in verified.values())
        code = VerificationCode.objects.get(call=call, application=None).code
        assert code in text
        listed = {row["路径 path"]: row for row in read_csv(unpacked, "manifest.csv")}
        assert listed[name]["SHA-256"] == hashlib.sha256(unpacked.read(name)).hexdigest()
        [row] = read_csv(unpacked, "评审/评审会.csv")
        assert row["会议名称"] == "第一次评审会" and row["参会专家"] == "孙专家"
        logged = {int(r["序号"]) for r in read_csv(unpacked, "操作日志.csv")}
        created = AuditEntry.objects.get(action="review_session.create", object_id=str(session.pk))
        assert created.pk in logged
