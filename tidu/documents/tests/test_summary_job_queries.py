"""The 汇总表 export job reads its applications a chunk at a time: at most 2 queries per chunk (one read of the
chunk's receipts with their application, enterprise, unit, list entry and stored facts; one progress write),
never per application; the same count at 5 and at 40 applications."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tidu import testing as build
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.events import deliver_pending
from tidu.documents import services
from tidu.documents.models import DocumentJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _world(count: int):
    call = build.load_call()
    town_unit = build.unit("岳口镇", "township")
    build.officer(town_unit, "town")
    city = build.city_officer("city")
    enterprise = build.enterprise(town_unit, "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    template = build.application(enterprise, call=call)
    build.submitted(template)
    deliver_pending()  # the test's transaction never commits: the receipt's facts are stored on delivery
    build.drive_to(template, State.TOWNSHIP_RECOMMENDED)
    build.clone_applications(template, count - 1, status=State.TOWNSHIP_RECOMMENDED)
    build.put_on_sent_list(*Application.objects.filter(status=State.TOWNSHIP_RECOMMENDED).order_by("pk"))
    return call, city


def _job_queries(call, city, before_run=None) -> tuple[int, int]:
    ids = list(Application.objects.filter(call=call).order_by("pk").values_list("pk", flat=True))
    job = services.start_summary_export(call=call, user=city, application_ids=ids, unit_name="", fmt="xlsx")
    DocumentJob.objects.filter(pk=job.pk).update(status=DocumentJob.Status.PENDING, result="")
    if before_run:
        before_run()
    with CaptureQueriesContext(connection) as queries:
        assert services.run_job(job.pk)["status"] == "done"
    job.refresh_from_db()
    with job.result.open("rb") as handle:
        sheet = load_workbook(handle).worksheets[0]
    names = [sheet.cell(r, 4).value for r in range(4, sheet.max_row + 1)]
    return len(queries), len([n for n in names if n])


# The job's queries that do not depend on its size: the job and its visibility check, the sent lists' snapshots
# (once, after the distinct list ids), the template, the status writes and the result.
CONSTANT = 9


@pytest.mark.parametrize("count", [5, 40])
def test_the_summary_job_reads_by_chunk_not_by_application(count, monkeypatch):
    monkeypatch.setattr(services, "SUMMARY_CHUNK", 5)
    call, city = _world(count)
    queries, rows = _job_queries(call, city)
    assert rows == count  # every listed application is a row of the 汇总表
    chunks = -(-count // 5)
    # per chunk: one read (receipts, applications, facts), one progress write; the rest is the same at any size.
    assert queries - 2 * chunks == CONSTANT, queries


def test_receipts_without_stored_facts_get_them_from_the_job_once(monkeypatch):
    from tidu.documents.models import SummaryFacts

    monkeypatch.setattr(services, "SUMMARY_CHUNK", 5)
    call, city = _world(10)
    queries, rows = _job_queries(call, city, before_run=lambda: SummaryFacts.objects.all().delete())
    assert rows == 10
    assert SummaryFacts.objects.count() == 10
    # per chunk: the read, the missing facts' snapshots, their write, the progress write
    assert queries - 4 * 2 == CONSTANT, queries
    queries, rows = _job_queries(call, city)
    assert (rows, queries - 2 * 2) == (10, CONSTANT)


def test_a_long_zip_sets_its_pdf_in_parts_numbered_as_one_file(monkeypatch):
    import io
    import re
    import zipfile

    from pypdf import PdfReader

    from tidu.documents import pdf

    monkeypatch.setattr(services, "SUMMARY_CHUNK", 5)
    monkeypatch.setattr(pdf, "SUMMARY_PART_ROWS", 4)
    call, city = _world(9)
    ids = list(Application.objects.filter(call=call).order_by("pk").values_list("pk", flat=True))
    job = services.start_summary_export(call=call, user=city, application_ids=ids, unit_name="岳口镇", fmt="zip")
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.DONE, job.message
    with job.result.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        names = archive.namelist()
        table = PdfReader(io.BytesIO(archive.read(next(n for n in names if n.endswith(".pdf")))))
        sheet = load_workbook(io.BytesIO(archive.read(next(n for n in names if n.endswith(".xlsx"))))).worksheets[0]
    texts = [page.extract_text() for page in table.pages]
    total = len(texts)
    assert total >= 3  # three parts (4 + 4 + 1 rows), each from a new page
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 共 {total} 页" in text
    assert sum("填报单位" in text for text in texts) == 1  # the title block only once, on the first page
    joined = "".join(texts)
    orders = [int(n) for n in re.findall(r"^(\d+) 天门", joined, flags=re.MULTILINE)]
    assert orders == list(range(1, 10)), orders  # every row once, in order
    assert [sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)] == list(range(1, 10))
