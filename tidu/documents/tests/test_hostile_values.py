"""Long and hostile values in every PDF table: nothing leaves the page, no cell prints over another, nothing lost.

Each PDF is read back with pypdf's ``extract_text(visitor_text=…)``: every text run's start position, font
size and (from the embedded font's /W widths and ToUnicode map) its width. Then, page by page:
- every run lies inside the page;
- no two runs on the same line overlap (an overprinted neighbour column is exactly that);
- the characters of the 3,000-character unbroken string all appear (counted), and the extracted text
  carries no zero-width characters (a credit code stays searchable and copyable).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader, PdfWriter

from tidu.documents import pdf
from tidu.documents.bound import render_bound_dossier
from tidu.documents.dossier import EvidenceFacts
from tidu.documents.evidence_files import EvidenceInspection
from tidu.documents.printable import PLACEHOLDER
from tidu.documents.sample import sample_dossier, sample_raw_sections

LONG = "Ж" * 3000  # unbroken; Ж appears nowhere else in any document, so it can be counted
NAME = "天门市" + "超长名称有限公司" * 24 + "X" * 5  # 200 characters
PHONE = "+86-0728-" + "1" * 40
EMOJI = "同意推荐😀👍🏽👨‍👩‍👧✅"
RTL = "ABC\u202eDEF\u202cGHI"
ZWSP = "\u200b"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")


# --- reading positions back --------------------------------------------------------------------------------

def _widths(font) -> dict[str, float]:
    """unicode character → advance width (1/1000 em) for a Typst-embedded Type0 font."""
    descendant = font["/DescendantFonts"][0].get_object()
    by_cid: dict[int, float] = {}
    w = list(descendant.get("/W", []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
            for offset, width in enumerate(w[i + 1]):
                by_cid[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(w[i + 1]) + 1):
                by_cid[cid] = float(w[i + 2])
            i += 3
    default = float(descendant.get("/DW", 1000))
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    out: dict[str, float] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for cid, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            text = bytes.fromhex(uni).decode("utf-16-be", errors="ignore").replace(ZWSP, "")
            if text:  # a cluster ("-" + ZWSP) maps to one glyph: its width goes to the first character
                out.setdefault(text[0], by_cid.get(int(cid, 16), default))
    return out


# Typst compresses CJK punctuation (（）：，、 …) to half width with kerning the visitor does not see:
# count them at half width (a lower bound, which is what an overlap check needs).
CJK_PUNCTUATION = set("（）：，、。；《》「」【】〔〕“”‘’")


def _advance(widths: dict[str, float], ch: str) -> float:
    if ch == ZWSP:
        return 0.0
    width = widths.get(ch, 500.0)
    return min(width, 500.0) if ch in CJK_PUNCTUATION else width


@dataclasses.dataclass
class Run:
    text: str
    x: float
    y: float
    size: float
    width: float


def runs_by_page(data: bytes) -> list[tuple[float, float, list[Run]]]:
    reader = PdfReader(io.BytesIO(data))
    pages = []
    cache: dict[str, dict[str, float]] = {}
    for page in reader.pages:
        runs: list[Run] = []

        def visit(text, cm, tm, font, size, runs=runs):
            shown = text.lstrip(" \n").rstrip("\n")
            if not shown.strip() or font is None:
                return
            name = str(font.get("/BaseFont"))
            if name not in cache:
                cache[name] = _widths(font) if "/DescendantFonts" in font else {}
            scale = abs(cm[0] * tm[0]) or 1.0
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            em = size * scale / 1000
            width = sum(_advance(cache[name], ch) for ch in shown) * em
            run = Run(shown, x, y, size * scale, width)
            if not any((r.text, round(r.x, 1), round(r.y, 1)) == (run.text, round(x, 1), round(y, 1)) for r in runs):
                runs.append(run)

        page.extract_text(visitor_text=visit)
        pages.append((float(page.mediabox.width), float(page.mediabox.height), runs))
    return pages


def assert_clean_layout(data: bytes) -> None:
    for number, (width, height, runs) in enumerate(runs_by_page(data), start=1):
        for run in runs:
            assert run.x >= -0.5 and run.x + run.width <= width + 0.5, (number, run)
            assert 0 <= run.y <= height, (number, run)
        for i, a in enumerate(runs):
            for b in runs[i + 1:]:
                if abs(a.y - b.y) > 0.3 * min(a.size, b.size):
                    continue
                overlap = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
                assert overlap <= 1.5, f"page {number}: {a} overprints {b}"  # 1.5 pt: kerning unseen


def all_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert ZWSP not in text
    return text


def assert_nothing_lost(data: bytes, *, long_copies: int) -> None:
    text = all_text(data)
    assert text.count("Ж") == 3000 * long_copies
    assert not BIDI.search(text)


# --- the documents ---------------------------------------------------------------------------------------

@pytest.fixture
def hostile_raw():
    raw = sample_raw_sections(name=NAME, credit_code="91429006MA49ABCD1X")
    raw["basic"]["contact_phone"] = PHONE
    raw["basic"]["competitiveness"] = EMOJI + " " + RTL
    raw["scope"]["project_name"] = "项目" + "Q" * 120
    raw["scope"]["summary"] = LONG
    equipment = raw["equipment"]["equipment"]
    # The model field takes 100 characters, the supplier 200.
    equipment[0].update(name=NAME, model="MODEL-" + "9" * 94, vendor="VENDOR" + "V" * 150 + EMOJI)
    raw["attestation"]["signer_name"] = RTL
    return raw


def test_application_pdf_with_hostile_values(policy, hostile_raw):
    data = pdf.render_application_pdf(sample_dossier(policy, raw=hostile_raw))
    assert_clean_layout(data)
    assert_nothing_lost(data, long_copies=1)
    text = all_text(data).replace(" ", "").replace("\n", "")
    assert "MODEL-" + "9" * 94 in text  # the equipment model, whole, wrapped inside its column
    assert PLACEHOLDER in text and "ABCDEFGHI" in text  # emoji visible as □; the RTL override gone
    # One date style: 承诺时间 reads like 申报日期.
    assert "承诺时间2026年3月10日10:28" in text and "2026-03-1010:28" not in text
    assert "提交时间：2026年3月10日10:30" in text


def test_the_signature_block_is_never_split(policy, hostile_raw):
    text_by_page = [page.extract_text() or "" for page in
                    PdfReader(io.BytesIO(pdf.render_application_pdf(sample_dossier(policy, raw=hostile_raw)))).pages]
    [page] = [t for t in text_by_page if "法定代表人（签字）" in t]
    assert "申报单位（盖章）" in page and re.search(r"日期：\s*年\s*月\s*日", page)


def test_summary_pdf_with_hostile_values(policy, hostile_raw):
    row = sample_dossier(policy, raw=hostile_raw).summary_row
    rows = [dataclasses.replace(row, enterprise_name=NAME, credit_code="91429006MA49ABCD1X" * 3,
                                factory_name=NAME + EMOJI, contact_phone=PHONE, contact_name=RTL,
                                recommendation=LONG, covered_links="环节" * 60).numbered(1),
            row.numbered(2)]
    data = pdf.render_summary_pdf(rows, title="推荐汇总表", unit_name=NAME, date=dt.date(2026, 3, 20))
    assert_clean_layout(data)
    assert_nothing_lost(data, long_copies=1)
    text = all_text(data).replace(" ", "").replace("\n", "")
    assert "91429006MA49ABCD1X" * 3 in text and PHONE in text


def test_recommendation_list_pdf_with_hostile_values():
    entries = [{"enterprise_name": NAME + EMOJI, "credit_code": "9" * 60, "tier_name": "基础级",
                "recommendation": LONG},
               {"enterprise_name": RTL, "credit_code": "91429006MA49ABCD1X", "tier_name": "基础级",
                "recommendation": "同意推荐"}]
    data = pdf.render_recommendation_list_pdf(NAME, dt.date(2026, 3, 20), entries)
    assert_clean_layout(data)
    assert_nothing_lost(data, long_copies=1)
    assert "9" * 60 in all_text(data).replace("\n", "")


def _letter_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_bound_dossier_with_hostile_values_and_a_letter_evidence_pdf(policy, hostile_raw):
    evidence = [EvidenceFacts(1, "conditions", "申报条件3", NAME + ".pdf", "application/pdf", 2048, "a" * 64,
                              EvidenceInspection("pdf", 2, "", True))]
    dossier = sample_dossier(policy, raw=hostile_raw, evidence=evidence)
    book = render_bound_dossier(dossier, lambda entry: _letter_pdf(2))
    assert_clean_layout(book.pdf)
    assert_nothing_lost(book.pdf, long_copies=1)
    reader = PdfReader(io.BytesIO(book.pdf))
    evidence_pages = reader.pages[-2:]
    for number, page in enumerate(evidence_pages, start=1):
        # A US-Letter evidence page is now A4, like the rest of the book, with its heading above it.
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        text = (page.extract_text() or "").replace(ZWSP, "").replace(" ", "").replace("\n", "")
        assert f"佐证材料1：{NAME}.pdf（第{number}/2页）" in text


# --- the bureau's notices: 认定名单, 认定通知, 公示 notice, outcome letter ------------------------------------

DOC_NUMBER = "天经信发〔2026〕" + "1" * 60 + "号" + "文号" * 20


def _hostile_entries(count: int = 3) -> list[dict]:
    return [{"position": n, "enterprise_name": NAME if n % 2 else RTL, "credit_code": "91429006MA49ABCD1X" * 3,
             "project_name": "项目" + "Q" * 120, "unit_name": NAME[:60], "tier_label": "基础级" * 8,
             "batch_label": NAME + "（2026年4月1日）"} for n in range(1, count + 1)]


def test_call_final_list_pdf_with_hostile_values():
    from tidu.publicity import exports, rules

    columns = [{"key": key, "label": label} for key, label in rules.FINAL_COLUMNS] + [exports.CALL_BATCH_COLUMN]
    snapshot = {"title": NAME, "issuer": NAME, "list_date": "2026-04-20", "columns": columns,
                "entries": _hostile_entries()}
    data = exports.call_final_pdf(snapshot)
    assert_clean_layout(data)
    text = all_text(data).replace(" ", "").replace("\n", "")
    assert "91429006MA49ABCD1X" * 3 in text and "Q" * 120 in text


def _notice(**changes):
    from tidu.publicity.notices import NoticeDocument

    document = NoticeDocument(title=NAME, issuer=NAME, date="2026年4月20日", paragraphs=[LONG, "公示期：" + NAME],
                              closing=["联系电话：" + PHONE, "通信地址：" + NAME], entries=_hostile_entries(),
                              tier_header="认定等级", addressee=NAME + "：", document_number=DOC_NUMBER)
    return dataclasses.replace(document, **changes)


@pytest.mark.parametrize("kind", ["recognition", "publicity"])
def test_notice_pdf_with_hostile_values(kind):
    from tidu.publicity import notices

    document = _notice() if kind == "recognition" else _notice(document_number="", addressee="",
                                                               tier_header="申报等级")
    data = notices.render_pdf(document)
    assert_clean_layout(data)
    assert_nothing_lost(data, long_copies=1)
    text = all_text(data).replace(" ", "").replace("\n", "")
    assert "91429006MA49ABCD1X" * 3 in text and PHONE in text
    if kind == "recognition":
        assert "1" * 60 in text  # the long 文号 wraps, whole


def test_rejection_letter_pdf_with_hostile_values():
    import types

    from tidu.decisions import letters

    application = types.SimpleNamespace(call=types.SimpleNamespace(title=NAME))
    letter = letters.OutcomeLetter(
        application=application, recognised=False, title="智能工厂不予认定通知书", issuer=NAME,
        date="2026年4月20日", enterprise_name=NAME, credit_code="91429006MA49ABCD1X" * 3,
        project_name="项目" + "Q" * 120, tier_name="基础级", reject_reason=LONG, review_reasons="评审" * 300)
    data = letters.letter_pdf(letter)
    assert_clean_layout(data)
    assert_nothing_lost(data, long_copies=1)
    text = all_text(data).replace(" ", "").replace("\n", "")
    assert "91429006MA49ABCD1X" * 3 in text and "Q" * 120 in text


# --- per cell: a long value stays inside its own cell, not only on the page --------------------------------

CM = 72 / 2.54
A4 = (595.28, 841.89)
# One marker per column, found nowhere else in the document, each as long as a user can make it.
CELL_MARKERS = {"enterprise_name": "甲", "credit_code": "W", "project_name": "Q", "unit_name": "乙", "tier_label": "丙"}


def _marked_entries(count: int = 2) -> list[dict]:
    return [{"position": n, "enterprise_name": "甲" * 100, "credit_code": "W" * 54, "project_name": "Q" * 100,
             "unit_name": "乙" * 60, "tier_label": "丙" * 24, "batch_label": "第一批"} for n in range(1, count + 1)]


def table_cells(left: float, right: float, widths: list) -> list[tuple[float, float]]:
    """Column edges (points) of a Typst table spanning ``left``…``right``: widths in cm (float) or fr (str "2fr")."""
    fixed = sum(w * CM for w in widths if not isinstance(w, str))
    shares = sum(float(w[:-2]) for w in widths if isinstance(w, str))
    edges, x = [], left
    for w in widths:
        width = (right - left - fixed) * float(w[:-2]) / shares if isinstance(w, str) else w * CM
        edges.append((x, x + width))
        x += width
    return edges


def assert_in_own_cell(data: bytes, marker: str, cell: tuple[float, float]) -> None:
    """Every run made only of ``marker`` starts inside ``cell`` and ends before its right edge (1 pt slack)."""
    seen = 0
    for number, (_width, _height, runs) in enumerate(runs_by_page(data), start=1):
        for run in runs:
            if set(run.text.replace(" ", "")) != {marker}:
                continue
            seen += 1
            assert cell[0] - 1 <= run.x and run.x + run.width <= cell[1] + 1, (marker, number, cell, run)
    assert seen, marker


def test_notice_values_stay_in_their_own_cells():
    from tidu.publicity import notices

    margin = 2.4 * CM
    cells = table_cells(margin, A4[0] - margin, [1.1, "1fr", 3.6, "1fr", 2.4, 1.6])
    short = {"entries": _marked_entries(), "paragraphs": ["正文。"], "closing": ["特此通知。"]}
    for document in (_notice(**short),  # the 认定通知, then the 公示 notice
                     _notice(**short, document_number="", addressee="", tier_header="申报等级")):
        data = notices.render_pdf(document)
        for column, key in enumerate(("enterprise_name", "credit_code", "project_name", "unit_name", "tier_label"),
                                     start=1):
            assert_in_own_cell(data, CELL_MARKERS[key], cells[column])


def test_call_final_list_values_stay_in_their_own_cells():
    from tidu.publicity import exports, rules

    columns = [{"key": key, "label": label} for key, label in rules.FINAL_COLUMNS] + [exports.CALL_BATCH_COLUMN]
    snapshot = {"title": "2026年度基础级智能工厂认定名单", "issuer": "天门市经济和信息化局", "list_date": "2026-04-20",
                "columns": columns, "entries": _marked_entries(2)}
    data = exports.call_final_pdf(snapshot)
    landscape_width = A4[1]
    margin = 1.4 * CM
    cells = table_cells(margin, landscape_width - margin, [f"{w}fr" for w in (1.1, 5.0, 3.6, 5.0, 3.0, 1.7, 4.0)])
    for column, key in enumerate(("enterprise_name", "credit_code", "project_name", "unit_name", "tier_label"),
                                 start=1):
        assert_in_own_cell(data, CELL_MARKERS[key], cells[column])


@pytest.mark.parametrize("recognised", [True, False])
def test_letter_values_stay_in_their_blocks(recognised):
    import types

    from tidu.decisions import letters

    application = types.SimpleNamespace(call=types.SimpleNamespace(title="天门市2026年度基础级智能工厂申报"))
    letter = letters.OutcomeLetter(
        application=application, recognised=recognised,
        title="智能工厂认定通知书" if recognised else "智能工厂不予认定通知书", issuer="丁" * 60,
        date="2026年4月20日", enterprise_name="甲" * 200, credit_code="W" * 54, project_name="Q" * 120,
        tier_name="基础级", reject_reason="" if recognised else "乙" * 400, review_reasons="" if recognised else "丙" * 300)
    data = letters.letter_pdf(letter)
    margin = 2.6 * CM
    text_block = (margin, A4[0] - margin)
    for marker in ("甲", "W", "Q") + (() if recognised else ("乙", "丙")):
        assert_in_own_cell(data, marker, text_block)
    assert_in_own_cell(data, "丁", (A4[0] - margin - 8 * CM, A4[0] - margin))  # the 8 cm signature block
