"""Long document work as django-tasks jobs: progress, polling, download; on the immediate and database backends."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tidu.documents import services
from tidu.documents.models import DocumentJob
from tidu.documents.tests.conftest import pdf_text
from tidu.documents.typst_engine import DocumentError

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def download(client, job) -> bytes:
    response = client.get(reverse("documents:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_bound_dossier_job_from_the_page(client, submitted_a, users):
    client.force_login(users["a"])
    response = client.post(reverse("documents:bound_start", args=[submitted_a.pk]))
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:job", args=[job.pk])
    assert job.status == DocumentJob.Status.DONE and job.progress == 100 and job.task_id
    page = client.get(response["Location"]).content.decode()
    assert reverse("documents:job_download", args=[job.pk]) in page and "hx-get" not in page
    data = download(client, job)
    pages = pdf_text(data)
    code = submitted_a.verification_codes.get().code
    assert all(f"校验码{code}" in text for text in pages)
    assert job.result_name.endswith(".pdf") and "装订版" in job.result_name


def test_a_running_job_is_polled_every_second(client, submitted_a, users):
    job = DocumentJob.objects.create(kind=DocumentJob.Kind.BOUND_DOSSIER, application=submitted_a,
                                     call=submitted_a.call, created_by=users["a"], status=DocumentJob.Status.RUNNING,
                                     progress=42, message="正在处理佐证材料 3/30")
    client.force_login(users["a"])
    page = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and reverse("documents:job_status", args=[job.pk]) in page
    fragment = client.get(reverse("documents:job_status", args=[job.pk]))
    html = fragment.content.decode()
    assert '<progress max="100" value="42"' in html and "正在处理佐证材料 3/30" in html
    assert "HX-Trigger" not in fragment
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 404
    DocumentJob.objects.filter(pk=job.pk).update(status=DocumentJob.Status.FAILED, message="生成失败：示例")
    finished = client.get(reverse("documents:job_status", args=[job.pk]))
    assert finished["HX-Trigger"] == "document-job-finished" and "生成失败：示例" in finished.content.decode()
    assert "hx-get" not in finished.content.decode()


def test_a_document_error_fails_the_job_with_its_message(submitted_a, users, monkeypatch):
    def broken(*args, **kwargs):
        raise DocumentError("无法生成 PDF：测试")

    monkeypatch.setattr(services, "render_kind", broken)
    job = services.start_bound_dossier(submitted_a, users["a"])
    assert job.status == DocumentJob.Status.FAILED and job.message == "无法生成 PDF：测试"


def test_township_exports_its_own_summary_table(client, listed_a, listed_b, users, call):
    client.force_login(users["x"])
    page = client.get(reverse("documents:summary_export", args=[call.pk])).content.decode()
    assert "天门市华楚精密机械有限公司" in page and "天门市岳口纺织有限公司" not in page
    assert listed_a.latest_submission().number in page
    response = client.post(reverse("documents:summary_export", args=[call.pk]), {"format": "xlsx"})
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and job.status == DocumentJob.Status.DONE
    sheet = load_workbook(io.BytesIO(download(client, job))).worksheets[0]
    assert "竟陵街道办事处" in sheet["A2"].value
    assert [sheet.cell(r, 4).value for r in range(4, sheet.max_row + 1)] == ["天门市华楚精密机械有限公司"]


def test_city_exports_every_sent_list_as_xlsx_and_pdf(client, listed_a, listed_b, users, call):
    client.force_login(users["city"])
    client.post(reverse("documents:summary_export", args=[call.pk]), {"format": "zip"})
    job = DocumentJob.objects.get()
    archive = zipfile.ZipFile(io.BytesIO(download(client, job)))
    names = archive.namelist()
    xlsx_name = next(n for n in names if n.endswith("（可编辑版）.xlsx"))
    pdf_name = next(n for n in names if n.endswith("（PDF版）.pdf"))
    sheet = load_workbook(io.BytesIO(archive.read(xlsx_name))).worksheets[0]
    assert {sheet.cell(r, 4).value for r in (4, 5)} == {"天门市岳口纺织有限公司", "天门市华楚精密机械有限公司"}
    assert [sheet.cell(r, 1).value for r in (4, 5)] == [1, 2]
    text = "".join(pdf_text(archive.read(pdf_name)))
    assert "天门市岳口纺织有限公司" in text and "天门市华楚精密机械有限公司" in text


def test_an_application_not_on_a_sent_list_is_not_in_the_summary(client, listed_a, submitted_b, users, call):
    client.force_login(users["city"])
    page = client.get(reverse("documents:summary_export", args=[call.pk])).content.decode()
    assert listed_a.enterprise.name in page and submitted_b.enterprise.name not in page
    with pytest.raises(services.JobRefused):
        services.start_summary_export(call=call, user=users["city"], application_ids=[submitted_b.pk], unit_name="")


def test_enterprise_and_expert_cannot_export(client, users, call):
    for who in ("a", "expert"):
        client.force_login(users[who])
        assert client.get(reverse("documents:summary_export", args=[call.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_and_worker_run_the_job(submitted_a, users):
    with override_settings(TASKS=DATABASE_TASKS):
        job = services.start_bound_dossier(submitted_a, users["a"])
        assert job.status == DocumentJob.Status.PENDING and job.task_id
        from django_tasks_db.models import DBTaskResult

        assert DBTaskResult.objects.filter(id=job.task_id).exists()
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        job.refresh_from_db()
        assert job.status == DocumentJob.Status.DONE and job.progress == 100
        assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
        with job.result.open("rb") as handle:
            pages = pdf_text(handle.read())
        assert "基础级智能工厂申报书" in pages[0] and "第1页" in pages[0]


def test_the_export_page_previews_its_first_rows_and_the_file_holds_them_all(client, listed_a, listed_b, users, call,
                                                                              monkeypatch):
    from tidu.documents import views

    monkeypatch.setattr(views, "EXPORT_PREVIEW_ROWS", 1)
    client.force_login(users["city"])
    page = client.get(reverse("documents:summary_export", args=[call.pk])).content.decode()
    shown = [name for name in (listed_a.enterprise.name, listed_b.enterprise.name) if name in page]
    assert len(shown) == 1 and "共 2 家企业" in page and "此处预览前 1 行，共 2 行" in page
    client.post(reverse("documents:summary_export", args=[call.pk]), {"format": "xlsx"})
    job = DocumentJob.objects.get()
    assert job.status == DocumentJob.Status.DONE
    sheet = load_workbook(io.BytesIO(download(client, job))).worksheets[0]
    names = {sheet.cell(r, 4).value for r in range(4, sheet.max_row + 1)}
    assert {listed_a.enterprise.name, listed_b.enterprise.name} <= names
