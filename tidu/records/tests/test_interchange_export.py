"""The 交换数据包: every demo submission's frozen interchange JSON, exported per call as a job, re-judges with
``tidu evaluate`` (the command a province or an auditor runs) to the verdict stored at submission."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from tidu import testing
from tidu.applications.models import Submission
from tidu.core.models import AuditEntry
from tidu.eligibility.engine import evaluate
from tidu.policy.call_policy import CallPolicy
from tidu.policy.loader import PackLibrary
from tidu.policy.models import Call
from tidu.records import archive
from tidu.records.models import ArchiveJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""
    call_command("load_demo", stdout=io.StringIO())
    return Call.objects.get(code=testing.CALL_CODE)


def _unpack(job: ArchiveJob) -> zipfile.ZipFile:
    with job.result.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_every_demo_submission_exported_re_judges_to_its_stored_verdict(demo, client):
    city = testing.city_officer("city-export")
    client.force_login(city)
    response = client.post(reverse("records:archive", args=[demo.pk]), {"kind": "interchange"})
    job = ArchiveJob.objects.get()
    assert response.status_code == 302 and job.kind == ArchiveJob.Kind.INTERCHANGE and job.status == "done"
    assert job.result_name.startswith(f"{demo.code}-交换数据包-")
    assert AuditEntry.objects.filter(action="archive.start", detail__kind="interchange").count() == 1
    bundle = _unpack(job)

    # The manifest verifies every file.
    manifest = list(csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["路径 path"] for row in manifest} == set(bundle.namelist()) - {"manifest.csv"}
    for row in manifest:
        assert hashlib.sha256(bundle.read(row["路径 path"])).hexdigest() == row["SHA-256"]

    # One file per submitted application: its newest receipt.
    submitted = {s.application_id: s for s in Submission.objects.filter(application__call=demo)
                 .order_by("application_id", "submitted_at", "pk")}
    table = list(csv.DictReader(io.StringIO(bundle.read("判定.csv").decode("utf-8-sig"))))
    assert sorted(row["回执编号"] for row in table) == sorted(s.number for s in submitted.values())
    assert len(submitted) >= 5

    library = PackLibrary.from_directory(django_settings.TIDU_POLICY_DIR)
    for row in table:
        stored = Submission.objects.get(number=row["回执编号"])
        document = json.loads(bundle.read(row["文件"]))
        assert hashlib.sha256(bundle.read(row["文件"])).hexdigest() == row["SHA-256"]
        assert row["提交时判定结论"] == stored.outcome
        # What `tidu evaluate` does: resolve the pack version the file names, judge the file as untrusted input.
        policy = CallPolicy.resolve(library, "call-" + document["call"], document.get("call_version"))
        verdict = evaluate(policy, document).as_dict()
        assert verdict["outcome"] == stored.verdict["outcome"], row["回执编号"]
        assert [(f["clause"], f["result"]) for f in verdict["findings"]] == \
            [(f["clause"], f["result"]) for f in stored.verdict["findings"]], row["回执编号"]


def test_the_command_line_judges_an_exported_file_as_stored(demo, tmp_path):
    call_command("archive_call", demo.code, "--interchange", stdout=io.StringIO())
    job = ArchiveJob.objects.get(kind=ArchiveJob.Kind.INTERCHANGE)
    bundle = _unpack(job)
    row = next(csv.DictReader(io.StringIO(bundle.read("判定.csv").decode("utf-8-sig"))))
    path = tmp_path / "one.json"
    path.write_bytes(bundle.read(row["文件"]))
    result = subprocess.run([sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py"), "evaluate",
                             str(path), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["outcome"] == Submission.objects.get(number=row["回执编号"]).verdict["outcome"]


def test_a_receipt_without_interchange_is_listed_not_lost(demo):
    submission = Submission.objects.filter(application__call=demo).order_by("-submitted_at").first()
    Submission.objects.filter(pk=submission.pk).update(snapshot={"sections": {}})
    handle = io.BytesIO()
    archive.build_interchange_export(demo, handle)
    bundle = zipfile.ZipFile(handle)
    table = list(csv.DictReader(io.StringIO(bundle.read("判定.csv").decode("utf-8-sig"))))
    missing = [row for row in table if row["回执编号"] == submission.number]
    assert missing and not missing[0]["文件"]
