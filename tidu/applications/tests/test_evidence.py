"""Evidence (佐证材料): upload through the page, type sniffing, size limit, private download, delete."""

import hashlib
import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tidu.applications.models import Evidence
from tidu.applications.testing import minimal_pdf_bytes
from tidu.applications.tests.conftest import login

pytestmark = pytest.mark.django_db


def upload_url(application, key):
    return reverse("applications:evidence_upload", args=[application.pk, key])


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, application, key, topic, name, content, content_type="application/octet-stream"):
    return client.post(upload_url(application, key),
                       {"topic": topic, "file": SimpleUploadedFile(name, content, content_type=content_type)},
                       follow=True)


def test_pdf_is_accepted_hashed_listed_and_downloaded_byte_for_byte(client, users, app_a):
    login(client, users["a"])
    content = minimal_pdf_bytes("营业执照")
    response = client.post(upload_url(app_a, "conditions"),
                           {"topic": "申报条件1", "file": SimpleUploadedFile("营业执照.pdf", content, "application/pdf")})
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:section", args=[app_a.pk, "conditions"]) + "#evidence"
    evidence = Evidence.objects.get(application=app_a)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert (evidence.section, evidence.topic, evidence.original_name) == ("conditions", "申报条件1", "营业执照.pdf")
    assert evidence.size == len(content) and evidence.content_type == "application/pdf"
    assert "营业执照" not in evidence.file.name  # stored under its hash, not the uploaded name

    page = client.get(reverse("applications:section", args=[app_a.pk, "conditions"])).content.decode()
    assert "已上传“营业执照.pdf”" in page
    assert evidence.sha256[:12] in page
    download = reverse("applications:evidence_download", args=[evidence.pk])
    assert f'href="{download}"' in page
    assert "/media/" not in page and evidence.file.name not in page  # never a public MEDIA URL

    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in response["Content-Disposition"]


def test_evidence_upload_slots_per_section(client, users, app_a):
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[app_a.pk, "conditions"])).content.decode()
    for n in range(1, 10):
        assert f'name="topic" value="申报条件{n}"' in page
    page = client.get(reverse("applications:section", args=[app_a.pk, "maturity"])).content.decode()
    assert 'name="topic" value="maturity_report"' in page and "自评估报告" in page
    page = client.get(reverse("applications:section", args=[app_a.pk, "basic"])).content.decode()
    assert 'id="evidence"' not in page


def test_a_png_named_pdf_is_rejected_with_the_extension_message(client, users, app_a):
    login(client, users["a"])
    page = upload(client, app_a, "maturity", "maturity_report", "报告.pdf", png_bytes()).content.decode()
    assert "文件“报告.pdf”的扩展名与内容不符（内容为 PNG 文件，应使用 .png 扩展名）" in page
    assert not Evidence.objects.exists()
    # The refusal stands beside the upload control it concerns, inside that topic's upload form.
    form = re.search(r'<div class="evidence-topic" id="evidence-maturity_report">.*?</form>', page, re.S).group(0)
    assert 'class="upload-error"' in form and "扩展名与内容不符" in form


def test_a_real_png_is_accepted(client, users, app_a):
    login(client, users["a"])
    upload(client, app_a, "maturity", "maturity_report", "截图.PNG", png_bytes())
    assert Evidence.objects.get().content_type == "image/png"


@pytest.mark.parametrize("name,content", [
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    ("report.pdf.exe", b"MZ\x90\x00" + b"\x00" * 64),
    ("材料.zip", None),
    ("伪装.docx", None),
])
def test_executables_and_plain_zips_are_rejected(client, users, app_a, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    login(client, users["a"])
    page = upload(client, app_a, "maturity", "maturity_report", name, content).content.decode()
    assert f"文件“{name}”的内容不是可接受的类型；仅接受PDF、图片（JPG、PNG）、Word、Excel、PowerPoint 文件" in page
    assert not Evidence.objects.exists()


def test_oversize_is_rejected(client, users, app_a, settings):
    settings.TIDU_EVIDENCE_MAX_BYTES = 200
    login(client, users["a"])
    content = minimal_pdf_bytes() + b"%" * 300
    page = upload(client, app_a, "maturity", "maturity_report", "大文件.pdf", content).content.decode()
    assert "文件“大文件.pdf”大小为" in page and "的上限" in page
    assert not Evidence.objects.exists()


def test_empty_file_and_unknown_topic_and_missing_file(client, users, app_a):
    login(client, users["a"])
    page = upload(client, app_a, "maturity", "maturity_report", "空.pdf", b"").content.decode()
    assert "空文件" in page or "请选择要上传的文件" in page  # browsers drop empty files; either way nothing is stored
    page = upload(client, app_a, "maturity", "申报条件1", "a.pdf", minimal_pdf_bytes()).content.decode()
    assert "佐证事项无效" in page
    page = client.post(upload_url(app_a, "maturity"), {"topic": "maturity_report"}, follow=True).content.decode()
    assert "请选择要上传的文件" in page
    assert not Evidence.objects.exists()


def test_scenario_evidence_topics_follow_the_selected_scenarios(client, users, app_a):
    login(client, users["a"])
    page = upload(client, app_a, "scenarios", "SC99", "a.pdf", minimal_pdf_bytes()).content.decode()
    assert "佐证事项无效" in page
    upload(client, app_a, "scenarios", "SC24", "检测.pdf", minimal_pdf_bytes())
    assert Evidence.objects.get().topic == "SC24"
    page = client.get(reverse("applications:section", args=[app_a.pk, "scenarios"])).content.decode()
    assert "SC24（已不在本部分中）" in page  # SC24 not (yet) among the saved scenarios: still listed, deletable


def test_delete_removes_the_row_and_the_file(client, users, app_a, django_capture_on_commit_callbacks):
    login(client, users["a"])
    upload(client, app_a, "maturity", "maturity_report", "a.pdf", minimal_pdf_bytes())
    evidence = Evidence.objects.get()
    name = evidence.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row's deletion commits
        response = client.post(reverse("applications:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not default_storage.exists(name)
    assert client.get(reverse("applications:evidence_delete", args=[evidence.pk])).status_code in (404, 405)


def test_delete_needs_post(client, users, app_a):
    login(client, users["a"])
    upload(client, app_a, "maturity", "maturity_report", "a.pdf", minimal_pdf_bytes())
    evidence = Evidence.objects.get()
    assert client.get(reverse("applications:evidence_delete", args=[evidence.pk])).status_code == 405
    assert Evidence.objects.exists()


def test_other_enterprise_cannot_download_or_delete(client, users, app_a):
    login(client, users["a"])
    upload(client, app_a, "maturity", "maturity_report", "a.pdf", minimal_pdf_bytes())
    evidence = Evidence.objects.get()
    login(client, users["b"])
    assert client.get(reverse("applications:evidence_download", args=[evidence.pk])).status_code == 404
    assert client.post(reverse("applications:evidence_delete", args=[evidence.pk])).status_code == 404
    # the township cannot see a draft's files either
    login(client, users["x"])
    assert client.get(reverse("applications:evidence_download", args=[evidence.pk])).status_code == 404
    assert Evidence.objects.exists()


def test_township_downloads_its_units_submitted_evidence(client, users, submitted_a):
    evidence = Evidence.objects.get(application=submitted_a)
    login(client, users["x"])
    response = client.get(reverse("applications:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == evidence.sha256


def test_no_upload_or_delete_once_submitted(client, users, submitted_a):
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[submitted_a.pk, "maturity"])).content.decode()
    assert 'enctype="multipart/form-data"' not in page
    assert "evidence_delete" not in page and "/delete/" not in page
