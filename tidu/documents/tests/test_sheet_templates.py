"""The bureau's own Word templates for the review sheets: each kind's placeholders checked on upload (a Chinese
error naming the unknown or missing one, nothing saved lost), then used by the sheet's Word download until
disabled; the filled file opens in LibreOffice."""

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.core.models import AuditEntry
from tidu.documents import services, sheet_docx
from tidu.documents import sheets as document_sheets
from tidu.documents.models import DocumentTemplate, VerificationCode
from tidu.documents.tests.test_libreoffice import SOFFICE, converted
from tidu.documents.tests.test_sheets import _media, check, docx_text, received, reviewed, w  # noqa: F401
from tidu.experts import selectors as expert_selectors
from tidu.experts import sheets as expert_sheets
from tidu.experts.models import Assignment
from tidu.onsite import sheets as onsite_sheets
from tidu.review import sheets as review_sheets

OWN = "天门市经信局自制{}样式"


def own_template(kind: str, *extra: str) -> bytes:
    """The starter template of ``kind`` with the bureau's own line (and ``extra`` paragraphs) added."""
    document = docx.Document(io.BytesIO(sheet_docx.starter_template(kind)))
    document.paragraphs[0].insert_paragraph_before(OWN.format(sheet_docx.SPECS[kind].title))
    for text in extra:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def without(kind: str, name: str) -> bytes:
    """The starter template of ``kind`` with every paragraph and table using ``name`` removed."""
    document = docx.Document(io.BytesIO(sheet_docx.starter_template(kind)))
    for table in document.tables:
        if any(name in cell.text for row in table.rows for cell in row.cells):
            table._element.getparent().remove(table._element)
    for paragraph in document.paragraphs:
        if name in paragraph.text:
            paragraph.text = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(sheet_docx.SPECS))
def test_each_kind_checks_its_own_placeholders(kind):
    assert sheet_docx.check_template(kind, sheet_docx.starter_template(kind)).ok
    main = sheet_docx.SPECS[kind].required[0]
    unknown = sheet_docx.check_template(kind, own_template(kind, f"{{% for r in {main} %}}{{{{ r.secret }}}}{{% endfor %}}",
                                                           "{{ 注册资本 }}"))
    assert "模板使用了未知的占位符 {{ r.secret }}；可用的占位符见本页列表" in unknown.errors
    assert "模板使用了未知的占位符 {{ 注册资本 }}；可用的占位符见本页列表" in unknown.errors
    missing = sheet_docx.check_template(kind, without(kind, main))
    assert any(e.startswith(f"模板缺少必需的占位符 {{{{ {main} }}}}") for e in missing.errors), missing.errors
    code = sheet_docx.check_template(kind, without(kind, "verification_code"))
    assert any("缺少必需的占位符 {{ verification_code }}" in e for e in code.errors)


def test_placeholders_of_another_kind_are_unknown():
    errors = sheet_docx.check_template(sheet_docx.SCORE, own_template(sheet_docx.SCORE, "{{ conclusion }}")).errors
    assert "模板使用了未知的占位符 {{ conclusion }}；可用的占位符见本页列表" in errors


def _upload(client, call, kind, name, data):
    return client.post(reverse("documents:templates"), {"call": call.pk, "kind": kind,
                                                         "file": SimpleUploadedFile(name, data)})


def test_city_uploads_a_score_sheet_template_used_by_the_word_download(client, w, reviewed):  # noqa: F811
    city = w["users"]["city"]
    client.force_login(city)
    assignment = Assignment.objects.filter(application=reviewed).order_by("pk").first()
    url = reverse("experts:score_sheet", args=[assignment.pk, "docx"])
    builtin = docx_text(client.get(url).content)
    assert "专家评分表" in builtin and OWN.format("专家评分表") not in builtin

    call = reviewed.call
    assert _upload(client, call, sheet_docx.SCORE, "评分表.docx", own_template(sheet_docx.SCORE)).status_code == 302
    enabled = services.active_template(call, sheet_docx.SCORE)
    assert AuditEntry.objects.filter(action="document_template.enable", object_id=enabled.pk).exists()
    preview = docx_text(enabled.preview.read())
    assert OWN.format("专家评分表") in preview and "示例1-2" in preview

    bad = _upload(client, call, sheet_docx.SCORE, "坏.docx", own_template(sheet_docx.SCORE, "{{ scores_total }}"))
    page = bad.content.decode()
    assert bad.status_code == 400 and "模板使用了未知的占位符 {{ scores_total }}" in page
    assert services.active_template(call, sheet_docx.SCORE) == enabled  # the enabled one is kept
    assert DocumentTemplate.objects.filter(kind=sheet_docx.SCORE).count() == 1

    response = client.get(url)
    text = docx_text(response.content)
    assert response.status_code == 200 and OWN.format("专家评分表") in text
    assert "张专家" in text and "72" in text and reviewed.enterprise.name in text
    record = VerificationCode.objects.filter(application=reviewed, document_title="专家评分表").latest("pk")
    assert record.code in text
    assert "专家评分表" in client.get(reverse("documents:verify", args=[record.code])).content.decode()
    assert OWN.format("专家评分表") not in _pdf_bytes_text(client.get(reverse("experts:score_sheet",
                                                                             args=[assignment.pk, "pdf"])).content)

    client.post(reverse("documents:template_deactivate", args=[enabled.pk]))
    assert OWN.format("专家评分表") not in docx_text(client.get(url).content)


def _pdf_bytes_text(data: bytes) -> str:
    from tidu.documents.tests.test_sheets import pdf_text

    return pdf_text(data)


def test_every_sheet_kind_filled_into_a_bureau_template_opens_in_libreoffice(w, received, reviewed, check, tmp_path):  # noqa: F811
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    state = expert_selectors.review_state(reviewed)
    built = {
        sheet_docx.FORMAL: (review_sheets.formal_review_sheet(received), ["91429006MA49ABCD2Y"]),
        sheet_docx.SCORE: (expert_sheets.score_sheet(Assignment.objects.filter(application=reviewed).order_by("pk")[0]),
                           ["张专家", "72"]),
        sheet_docx.PANEL: (expert_sheets.panel_sheet(expert_selectors.panel_for(w["users"]["city"], reviewed)),
                           ["张专家", "黄专家", "赵专家", "72"]),
        sheet_docx.SIGN_IN: (expert_sheets.sign_in_sheet(state), ["湖北某研究院"]),
        sheet_docx.ONSITE: (onsite_sheets.onsite_sheet(check), ["现场仅有人工抽检", "市局核查员"]),
    }
    files = {}
    for kind, (sheet, _expected) in built.items():
        services.upload_template(call=sheet.call, kind=kind, user=w["users"]["city"],
                                 upload=SimpleUploadedFile(f"{kind}.docx", own_template(kind)))
        content, name, _type = document_sheets.render_sheet(sheet, document_sheets.DOCX)
        assert name.endswith(".docx")
        files[f"{kind}.docx"] = content
    texts = converted(tmp_path, files)
    for kind, (sheet, expected) in built.items():
        text = texts[f"{kind}.docx"]
        code = VerificationCode.objects.filter(document_title=sheet.title).latest("pk").code
        for value in [OWN.format(sheet.title), sheet.application.enterprise.name, code, *expected]:
            assert value in text, (kind, value)
