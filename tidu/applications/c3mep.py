"""Reading the 智能制造能力成熟度自评估报告 of 智能制造评估评价公共服务平台 (www.c3mep.cn) from its PDF text.

The platform's report states the level (一级…五级, or 1–5级), the score (0–5, GB/T 39116), a report number and
a date. Layouts vary (label：value lines, a two-column table, a header row over a value row, full-width digits),
so the text is normalised (NFKC) and read by label. Nothing here guesses: a PDF that does not read as such a
report, or whose level cannot be found, is refused with a Chinese message and the enterprise types the values.

Plain Python (pypdf for the text); the upload and the pre-fill are in ``evidence`` and the views.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tidu.core.errors import TiduError

PLATFORM = "智能制造评估评价公共服务平台"
TOPIC = "maturity_report"  # the evidence slot of 成熟度自评估 (sections.SECTIONS)
MAX_PAGES = 6  # the facts are on the cover or the first pages; a long report is not read to its end
_LEVELS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
LEVEL_NAMES = {1: "一级（规划级）", 2: "二级（规范级）", 3: "三级（集成级）", 4: "四级（优化级）", 5: "五级（引领级）"}


class ReportUnreadable(TiduError):
    """The PDF gives no report facts; ``message`` says why, in Chinese, and that the values are typed by hand."""


@dataclass(frozen=True)
class ReportFacts:
    level: int | None
    score: str | None  # a decimal as text ("2.35"), as the maturity section stores what is typed
    report_number: str | None
    report_date: str | None  # ISO date

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "score": self.score, "report_number": self.report_number,
                "report_date": self.report_date}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReportFacts | None:
        if not isinstance(data, dict) or not data.get("level"):
            return None
        return cls(level=data.get("level"), score=data.get("score"), report_number=data.get("report_number"),
                   report_date=data.get("report_date"))

    def section_values(self) -> dict[str, str]:
        """The maturity section's fields as the form holds them (strings), only those the report gave."""
        values = {"level": str(self.level) if self.level else "", "score": self.score or "",
                  "report_number": self.report_number or "", "report_date": self.report_date or ""}
        return {key: value for key, value in values.items() if value}

    @property
    def unread(self) -> list[str]:
        """Labels of what the report did not give (to be typed)."""
        labels = {"score": "自评估得分", "report_number": "评估报告编号", "report_date": "评估报告日期"}
        return [label for key, label in labels.items() if not getattr(self, key)]


# --- text --------------------------------------------------------------------------------------------

def pdf_text(handle) -> str:
    """The text of the first pages of a PDF (a file object or bytes); ReportUnreadable if it is not readable."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = handle if isinstance(handle, bytes) else handle.read()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReportUnreadable("该 PDF 已加密，无法读取其中的文字；请手动填写自评估等级、得分、报告编号和日期")
        return "\n".join((page.extract_text() or "") for page in reader.pages[:MAX_PAGES])
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ReportUnreadable("无法读取该 PDF 的内容；请手动填写自评估等级、得分、报告编号和日期") from exc


def normalise(text: str) -> str:
    """NFKC (full-width digits, letters, ：（） to ASCII), no spaces inside a line, one line per line."""
    text = unicodedata.normalize("NFKC", text or "")
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


# --- facts -------------------------------------------------------------------------------------------

_SEP = r"\s*[:：]?\s*"
_LEVEL_LABEL = r"(?:自评估等级|评估等级|成熟度等级|能力成熟度等级|评估结果|等级|级别)"
_SCORE_LABEL = r"(?:自评估得分|评估得分|综合得分|成熟度得分|得分|分数|总分)"
_NUMBER_LABEL = r"(?:评估报告编号|报告编号|证书编号|编号)"
_DATE_LABEL = r"(?:评估报告日期|报告日期|评估日期|出具日期|生成日期|评估时间|日期)"
_LEVEL_VALUE = r"(?:成熟度)?([一二三四五1-5])\s*级"
_SCORE_VALUE = r"(\d{1,3}(?:\.\d{1,4})?)\s*分?"
_NUMBER_VALUE = r"([A-Za-z0-9][A-Za-z0-9\-_/.]{3,59})"
_DATE_VALUE = r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"


def looks_like_report(text: str) -> bool:
    return "成熟度" in text and ("自评估" in text or "自诊断" in text or "评估报告" in text)


def _date(match) -> str | None:
    try:
        return dt.date(int(match[0]), int(match[1]), int(match[2])).isoformat()
    except ValueError:
        return None


def _score(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return format(value.normalize(), "f") if Decimal(0) <= value <= Decimal(5) else None


def _by_label(text: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if m := re.search(_LEVEL_LABEL + _SEP + _LEVEL_VALUE, text):
        found["level"] = _LEVELS[m[1]]
    elif m := re.search(r"成熟度(?:等级)?(?:为|达到|处于)\s*" + _LEVEL_VALUE, text):
        found["level"] = _LEVELS[m[1]]
    if m := re.search(_SCORE_LABEL + _SEP + _SCORE_VALUE, text):
        found["score"] = _score(m[1])
    if m := re.search(_NUMBER_LABEL + _SEP + _NUMBER_VALUE, text):
        found["report_number"] = m[1]
    if m := re.search(_DATE_LABEL + _SEP + _DATE_VALUE, text):
        found["report_date"] = _date(m.groups())
    return found


_COLUMN_PATTERNS = (("level", _LEVEL_LABEL), ("score", _SCORE_LABEL), ("report_number", _NUMBER_LABEL),
                    ("report_date", _DATE_LABEL))


def _by_header_row(text: str) -> dict[str, Any]:
    """A table whose first row names the columns and whose next row holds the values, cell by cell."""
    lines = text.splitlines()
    for index, line in enumerate(lines[:-1]):
        cells = line.split(" ")
        kinds = []
        for cell in cells:
            kind = next((key for key, pattern in _COLUMN_PATTERNS if re.fullmatch(pattern, cell)), None)
            kinds.append(kind)
        if sum(1 for kind in kinds if kind) < 2:
            continue
        values = lines[index + 1].split(" ")
        if len(values) != len(cells):
            continue
        found: dict[str, Any] = {}
        for kind, value in zip(kinds, values, strict=True):
            if kind == "level" and (m := re.fullmatch(_LEVEL_VALUE + r"(?:\(.*\))?", value)):
                found["level"] = _LEVELS[m[1]]
            elif kind == "score" and (m := re.fullmatch(_SCORE_VALUE, value)):
                found["score"] = _score(m[1])
            elif kind == "report_number" and re.fullmatch(_NUMBER_VALUE, value):
                found["report_number"] = value
            elif kind == "report_date" and (m := re.fullmatch(_DATE_VALUE, value)):
                found["report_date"] = _date(m.groups())
        if found.get("level"):
            return found
    return {}


def parse_report(text: str) -> ReportFacts:
    """The facts of a report's text; ReportUnreadable for a non-report or a layout whose level is not found."""
    text = normalise(text)
    if not text:
        raise ReportUnreadable("未能从该 PDF 中读出文字（可能是扫描件或图片）；请手动填写自评估等级、得分、报告编号和日期")
    if not looks_like_report(text):
        raise ReportUnreadable(f"该 PDF 不是{PLATFORM}出具的智能制造能力成熟度自评估报告，未导入；"
                               "请确认上传的文件，或手动填写自评估等级、得分、报告编号和日期")
    found = _by_header_row(text)
    labelled = _by_label(text)
    found = {**labelled, **{k: v for k, v in found.items() if v}} if found else labelled
    if not found.get("level"):
        raise ReportUnreadable("未能识别该自评估报告的版式（找不到成熟度等级）；请手动填写自评估等级、得分、报告编号和日期")
    return ReportFacts(level=found["level"], score=found.get("score"), report_number=found.get("report_number"),
                       report_date=found.get("report_date"))


def read_report(handle) -> ReportFacts:
    return parse_report(pdf_text(handle))


# --- report against what was typed ---------------------------------------------------------------------

def _same_number(a: str, b: str) -> bool:
    return re.sub(r"\s", "", normalise(a)).upper() == re.sub(r"\s", "", normalise(b)).upper()


def mismatches(facts: ReportFacts, typed: dict[str, Any]) -> list[dict[str, str]]:
    """Where the report and the maturity section's clean values differ: [{field, label, report, typed}]."""
    rows = []

    def add(field, label, report, given):
        rows.append({"field": field, "label": label, "report": report, "typed": given or "未填写"})

    if facts.level and str(typed.get("level") or "") != str(facts.level):
        given = typed.get("level")
        add("level", "自评估等级", LEVEL_NAMES[facts.level], LEVEL_NAMES.get(int(given)) if given else "")
    if facts.score is not None:
        given = typed.get("score")
        if given is None or Decimal(str(given)) != Decimal(facts.score):
            add("score", "自评估得分", facts.score, f"{given:g}" if isinstance(given, float) else given)
    if facts.report_number and not _same_number(facts.report_number, str(typed.get("report_number") or "")):
        add("report_number", "评估报告编号", facts.report_number, typed.get("report_number"))
    if facts.report_date and typed.get("report_date") != facts.report_date:
        add("report_date", "评估报告日期", facts.report_date, typed.get("report_date"))
    return rows
