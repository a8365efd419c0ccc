"""Uploaded templates: placeholders checked on upload (Chinese errors naming them), a preview, then used."""

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tidu.documents import placeholders, services
from tidu.documents.models import DocumentTemplate
from tidu.documents.xlsx import builtin_summary_template

pytestmark = pytest.mark.django_db
DOCX_KIND = DocumentTemplate.Kind.APPLICATION_DOCX
XLSX_KIND = DocumentTemplate.Kind.SUMMARY_XLSX


def docx_template(*paragraphs: str, footer: str = "") -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GOOD_DOCX = docx_template(
    "本局专用申报书：{{ enterprise_name }}（{{ credit_code }}），等级 {{ tier }}，回执 {{ receipt_number }}",
    "{%p for g in scenario_groups %}", "{{ g.title }}", "{%p for s in g.scenarios %}",
    "{{ s.code }} {{ s.name }}：{{ s.description }}", "{%p endfor %}", "{%p endfor %}",
    "{%p for k in kpis %}", "{{ loop.index }}. {{ k.name }} = {{ k.result }}", "{%p endfor %}",
    footer="{{ enterprise_name|default('') }}")


def test_a_good_docx_template_passes():
    check = placeholders.check_docx_template(GOOD_DOCX)
    assert check.ok, check.errors
    assert {"enterprise_name", "credit_code", "tier", "scenario_groups", "kpis"} <= set(check.used)


def test_unknown_placeholders_are_named():
    check = placeholders.check_docx_template(docx_template(
        "{{ enterprise_name }} {{ credit_code }} {{ tier }} {{ company_size }}",
        "{%p for k in kpis %}", "{{ k.target }}", "{%p endfor %}"))
    assert "模板使用了未知的占位符 {{ company_size }}；可用的占位符见本页列表" in check.errors
    assert any("{{ k.target }}" in e for e in check.errors)


def test_missing_required_placeholders_are_named():
    check = placeholders.check_docx_template(docx_template("{{ enterprise_name }}"))
    assert any("{{ credit_code }}" in e and "缺少" in e for e in check.errors)
    assert any("{{ tier }}" in e for e in check.errors)


def test_attribute_tricks_are_refused_and_rendering_is_sandboxed(policy):
    from jinja2.exceptions import SecurityError

    from tidu.documents.docx import render_application_docx
    from tidu.documents.sample import sample_dossier

    sneaky = docx_template("{{ enterprise_name }} {{ credit_code }} {{ tier }}",
                           "{{ ''.__class__.__mro__ }}", "{{ tier|attr('upper') }}", "{{ kpis[0] }}")
    errors = placeholders.check_docx_template(sneaky).errors
    assert any("__class__" in e for e in errors)
    assert any("attr" in e for e in errors)
    assert any("方括号" in e for e in errors)
    with pytest.raises(SecurityError):
        render_application_docx(sample_dossier(policy), docx_template("{{ ''.__class__.__mro__ }}"))


def test_not_a_docx_and_broken_syntax():
    assert placeholders.check_docx_template(b"PK\x03\x04 not really").errors == ["文件不是有效的 Word（.docx）文档"]
    check = placeholders.check_docx_template(docx_template("{{ enterprise_name }", "{% for %}"))
    assert check.errors and "模板语法错误" in check.errors[0]


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_template_checks():
    assert placeholders.check_xlsx_template(builtin_summary_template()).ok
    unknown = placeholders.check_xlsx_template(xlsx_bytes([["{{标题}}"], ["{{序号}}", "{{企业名称}}",
                                                                        "{{统一社会信用代码}}", "{{注册资本}}"]]))
    assert any("{{注册资本}}" in e and "D2" in e for e in unknown.errors)
    missing = placeholders.check_xlsx_template(xlsx_bytes([["{{序号}}", "{{企业名称}}"]]))
    assert any("{{统一社会信用代码}}" in e for e in missing.errors)
    split = placeholders.check_xlsx_template(xlsx_bytes([["{{序号}}"], ["{{企业名称}}", "{{统一社会信用代码}}"]]))
    assert any("同一行" in e for e in split.errors)
    assert placeholders.check_xlsx_template(b"not a workbook").errors == ["文件不是有效的 Excel（.xlsx）工作簿"]


def test_city_uploads_a_docx_template_which_is_then_used(client, users, call, submitted_a):
    client.force_login(users["city"])
    response = client.post(reverse("documents:templates"), {
        "call": call.pk, "kind": DOCX_KIND,
        "file": SimpleUploadedFile("本局模板.docx", GOOD_DOCX)})
    assert response.status_code == 302
    template = DocumentTemplate.objects.get()
    assert template.is_active and template.preview
    preview = docx.Document(template.preview.open("rb"))
    preview_text = "\n".join(p.text for p in preview.paragraphs)
    assert "本局专用申报书：天门市华楚精密机械有限公司" in preview_text and "k.name" not in preview_text
    assert client.get(reverse("documents:template_preview", args=[template.pk])).status_code == 200

    client.force_login(users["a"])
    data = b"".join(client.get(reverse("documents:application_docx", args=[submitted_a.pk])).streaming_content)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "本局专用申报书：天门市华楚精密机械有限公司（91429006MA49ABCD1X），等级 基础级" in text
    assert "SC24 在线智能检测：阀体关键尺寸在线视觉检测，自动剔除不合格品。" in text


def test_a_rejected_upload_shows_the_reasons(client, users, call):
    client.force_login(users["city"])
    response = client.post(reverse("documents:templates"), {
        "call": call.pk, "kind": DOCX_KIND,
        "file": SimpleUploadedFile("坏模板.docx", docx_template("{{ enterprise_name }} {{ 注册资本 }}"))})
    assert response.status_code == 400
    page = response.content.decode()
    assert "模板未通过检查" in page and "缺少必需的占位符" in page
    assert not DocumentTemplate.objects.exists()


def test_an_xlsx_template_is_used_for_the_summary_row(client, users, call, submitted_a):
    template = services.upload_template(call=call, kind=XLSX_KIND, user=users["city"],
                                        upload=SimpleUploadedFile("汇总表模板.xlsx", builtin_summary_template()))
    assert load_workbook(template.preview.open("rb")).worksheets[0].cell(5, 1).value == 2
    client.force_login(users["a"])
    data = b"".join(client.get(reverse("documents:summary_row_xlsx", args=[submitted_a.pk])).streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.cell(4, 4).value == "天门市华楚精密机械有限公司" and sheet.cell(6, 1).value == "注：按推荐优先顺序排列。"


def test_a_new_upload_replaces_the_active_one_and_deactivating_restores_builtin(client, users, call):
    first = services.upload_template(call=call, kind=DOCX_KIND, user=users["city"],
                                     upload=SimpleUploadedFile("a.docx", GOOD_DOCX))
    second = services.upload_template(call=call, kind=DOCX_KIND, user=users["city"],
                                      upload=SimpleUploadedFile("b.docx", GOOD_DOCX))
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    client.force_login(users["city"])
    client.post(reverse("documents:template_deactivate", args=[second.pk]))
    assert services.active_template(call, DOCX_KIND) is None


def test_only_the_city_manages_templates(client, users):
    url = reverse("documents:templates")
    assert client.get(url).status_code == 302  # anonymous → login
    for who in ("a", "x", "expert"):
        client.force_login(users[who])
        assert client.get(url).status_code == 403
    client.force_login(users["city"])
    page = client.get(url).content.decode()
    assert "enterprise_name" in page and "{{序号}}" in page
    assert client.get(reverse("documents:builtin_template", args=["application_docx"])).status_code == 200
    assert client.get(reverse("documents:builtin_template", args=["summary_xlsx"])).status_code == 200
