"""The Word and Excel files open in LibreOffice: every review sheet's DOCX, the 认定通知 and 公示 notice DOCX and
the 认定名单 XLSX convert to PDF with ``soffice --headless`` and the PDF shows the key values.

Skipped (with the reason) where LibreOffice is not installed; ``.ci/run`` installs it, and in CI a missing\nLibreOffice fails the test.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tidu.documents import sheets as document_sheets
from tidu.documents.tests.test_sheets import _media, check, received, reviewed, w  # noqa: F401 (fixtures)
from tidu.experts import selectors as expert_selectors
from tidu.experts import sheets as expert_sheets
from tidu.experts.models import Assignment
from tidu.onsite import sheets as onsite_sheets
from tidu.publicity import exports, rules
from tidu.publicity.notices import NoticeDocument, render_docx
from tidu.review import sheets as review_sheets

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MISSING = ("LibreOffice (soffice) is not on PATH: "
           "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")


@pytest.fixture(autouse=True)
def _soffice():
    """Skipped without LibreOffice; in CI (which installs it, .ci/run) that is a failure, as for Chromium."""
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
CODE = "ABCDEFGHIJ"


def converted(tmp_path: Path, files: dict[str, bytes]) -> dict[str, str]:
    """file name → text of the PDF LibreOffice made of it (one soffice run, its own profile)."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    for name, data in files.items():
        (source / name).write_bytes(data)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *[str(source / name) for name in files]],
                   check=True, capture_output=True, timeout=120)
    texts = {}
    for name in files:
        reader = PdfReader(io.BytesIO((out / (Path(name).stem + ".pdf")).read_bytes()))
        assert reader.pages, name
        texts[name] = "".join(page.extract_text() or "" for page in reader.pages).replace(" ", "")
        texts[name] = texts[name].replace("\n", "")  # a value wrapped inside its cell reads whole
    return texts


def test_every_review_sheet_docx_opens_in_libreoffice(w, received, reviewed, check, tmp_path):  # noqa: F811
    state = expert_selectors.review_state(reviewed)
    sheets = {
        "formal.docx": (review_sheets.formal_review_sheet(received), ["形式审查表", "91429006MA49ABCD2Y"]),
        "score.docx": (expert_sheets.score_sheet(Assignment.objects.filter(application=reviewed).order_by("pk")[0]),
                       ["专家评分表", "张专家", "72"]),
        "panel.docx": (expert_sheets.panel_sheet(expert_selectors.panel_for(w["users"]["city"], reviewed)),
                       ["专家组意见表", "张专家", "黄专家", "赵专家", "72"]),
        "signin.docx": (expert_sheets.sign_in_sheet(state), ["专家签到表", "湖北某研究院"]),
        "onsite.docx": (onsite_sheets.onsite_sheet(check), ["现场核查表", "现场仅有人工抽检", "市局核查员"]),
    }
    texts = converted(tmp_path, {name: document_sheets.render_sheet_docx(sheet, code=CODE)
                                 for name, (sheet, _) in sheets.items()})
    for name, (sheet, expected) in sheets.items():
        assert CODE in texts[name], name  # the 校验码 in the footer survives
        for value in [*expected, sheet.application.enterprise.name]:
            assert value in texts[name], (name, value)


def test_notices_docx_and_final_list_xlsx_open_in_libreoffice(tmp_path):
    entries = [{"position": 1, "enterprise_name": "天门市岳口纺织有限公司", "credit_code": "91429006MA49ABCD2Y",
                "project_name": "纺纱智能工厂", "unit_name": "岳口镇", "tier_label": "基础级"},
               {"position": 2, "enterprise_name": "天门市竟陵机械有限公司", "credit_code": "91429006MA49ABCD1X",
                "project_name": "机加工数字化车间", "unit_name": "竟陵街道办事处", "tier_label": "基础级"}]
    recognition = NoticeDocument(
        document_number="天经信发〔2026〕12号", title="关于公布2026年度基础级智能工厂名单的通知",
        addressee="各乡镇（办事处、农场、开发区），各有关企业：", issuer="天门市经济和信息化局", date="2026年5月20日",
        paragraphs=["认定以下2家企业为基础级智能工厂，现予以公布。"], closing=["希望被认定企业持续推进。"],
        entries=entries, tier_header="认定等级")
    publicity = NoticeDocument(
        title="2026年度基础级智能工厂拟认定名单公示", issuer="天门市经济和信息化局", date="2026年5月6日",
        paragraphs=["公示期：2026年5月6日至2026年5月12日（5个工作日）。"], closing=["联系电话：0728-5221234"],
        entries=entries, tier_header="申报等级")
    columns = [{"key": key, "label": label} for key, label in rules.FINAL_COLUMNS]
    snapshot = {"title": "2026年度基础级智能工厂认定名单", "issuer": "天门市经济和信息化局", "list_date": "2026-05-20",
                "finalised_at": "2026-05-20T09:00:00+08:00", "columns": columns, "entries": entries}
    texts = converted(tmp_path, {"recognition.docx": render_docx(recognition), "publicity.docx": render_docx(publicity),
                                 "final.xlsx": exports.final_xlsx(snapshot)})
    for name, text in texts.items():
        for entry in entries:
            assert entry["enterprise_name"] in text and entry["credit_code"] in text, (name, entry)
    assert "天经信发〔2026〕12号" in texts["recognition.docx"] and "认定等级" in texts["recognition.docx"]
    assert "2026年5月12日" in texts["publicity.docx"] and "0728-5221234" in texts["publicity.docx"]
    assert "2026年度基础级智能工厂认定名单" in texts["final.xlsx"] and "纺纱智能工厂" in texts["final.xlsx"]
