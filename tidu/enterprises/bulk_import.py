"""Bulk import of enterprises from the bureau's or a township's registry (Excel or CSV). Pure Python apart from
gettext and the field checks shared with registration.

A file is read into ``RawRow``s (values by column key, with the row number the user sees in Excel), then every
row is checked on its own (the same validators as the registration form) and against the others and the
registry (``check_rows``): each problem is a ``CellError`` located by row and column (``第12行 B列
统一社会信用代码：…``). A row whose credit code is already registered is *skipped*, not an error, so importing
the same file twice imports nothing new.

The township imports into its own unit; the city names the unit of each row in the 所属单位 column.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N

from tidu.core import sentences
from tidu.core.cells import append_row
from tidu.core.errors import TiduError
from tidu.core.text import has_unsafe_characters
from tidu.enterprises import validators

MAX_ROWS = 20000


@dataclass(frozen=True)
class Column:
    key: str
    header: str          # the template's heading (Chinese: the registry's own words)
    required: bool
    max_length: int
    example: str = ""
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", gettext_lazy("企业名称"), True, 200, "示例机械有限公司"),
    Column("credit_code", gettext_lazy("统一社会信用代码"), True, 18, "", gettext_lazy("18位，与营业执照一致")),
    Column("legal_status", gettext_lazy("法人类型"), True, 30, "独立法人", gettext_lazy("独立法人 或 法人的分支机构")),
    Column("industry_code", gettext_lazy("所属行业代码"), True, 5, "C3484", gettext_lazy("GB/T 4754-2017，如 C3484")),
    Column("registered_region", gettext_lazy("登记注册地"), False, 100, ""),
    Column("address", gettext_lazy("地址"), False, 300, ""),
    Column("legal_representative", gettext_lazy("法定代表人"), False, 50, ""),
    Column("contact_name", gettext_lazy("联系人"), True, 50, "张三"),
    Column("contact_phone", gettext_lazy("联系电话"), True, 30, "13807281234"),
    Column("contact_email", gettext_lazy("联系邮箱"), False, 254, "", gettext_lazy("填写后向该邮箱发送账号邀请")),
)
UNIT_COLUMN = Column("unit", gettext_lazy("所属单位"), True, 100, "", gettext_lazy("乡镇、办事处、农场或开发区的名称"))
LEGAL_STATUS_WORDS = {"独立法人": "legal_person", "法人": "legal_person", "法人的分支机构": "branch",
                      "分支机构": "branch", "legal_person": "legal_person", "branch": "branch",
                      # the English template's words (compared in lower case)
                      "independent legal person": "legal_person", "legal person": "legal_person",
                      "branch of a legal person": "branch"}


def columns_for(*, with_unit: bool) -> tuple[Column, ...]:
    return (*COLUMNS, UNIT_COLUMN) if with_unit else COLUMNS


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as Excel names columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class ImportFileError(TiduError):
    """The file as a whole cannot be read (wrong type, no heading row, a required column missing, too many rows)."""


@dataclass
class CellError:
    row: int              # the row number in the file (the heading is row 1)
    column: str           # the column letter in the file, "" for a problem of the whole row
    header: str
    message: str
    key: str = ""         # the column's key: its heading is shown in the reader's language
    # The message's source, so a stored problem reads in the reader's language (``problem_text``): a sentence
    # (tidu.core.sentences), or {"clean": key, "value": …} for a value a shared validator refused.
    msg: dict | None = None

    def as_dict(self) -> dict:
        data = {"row": self.row, "column": self.column, "header": self.header, "message": self.message}
        if self.key:
            data["key"] = self.key
        if self.msg:
            data["msg"] = self.msg
        return data

    def __str__(self) -> str:
        if self.column:
            return _("第%(row)s行 %(column)s列 %(header)s：%(message)s") % {
                "row": self.row, "column": self.column, "header": self.header, "message": self.message}
        return _("第%(row)s行：%(message)s") % {"row": self.row, "message": self.message}


@dataclass
class RawRow:
    number: int
    values: dict[str, str]


@dataclass
class CheckedRow:
    number: int
    values: dict[str, str]                      # cleaned values (credit code normalised …)
    errors: list[CellError] = field(default_factory=list)
    existing: bool = False                      # credit code already registered: skipped

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ParsedFile:
    columns: dict[str, int]                     # column key → index in the file
    rows: list[RawRow]

    def letter(self, key: str) -> str:
        return column_letter(self.columns[key]) if key in self.columns else ""


# --- reading -----------------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in Excel comes back as 3484.0
    return unicodedata.normalize("NFC", str(value)).strip()


def _table_rows(content: bytes, filename: str) -> Iterator[list]:
    lower = filename.lower()
    if content[:4] == b"PK\x03\x04" or lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a broken file
            raise ImportFileError(_("无法读取该Excel文件，请用模板另存为 .xlsx 后再上传")) from error
        try:
            yield from (list(row) for row in workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
        return
    if not lower.endswith(".csv"):
        raise ImportFileError(_("只接受 .xlsx 或 .csv 文件，请下载模板填写后上传"))
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK unless told otherwise
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("CSV文件的编码无法识别，请另存为“CSV UTF-8”格式后再上传"))
    yield from csv.reader(io.StringIO(text))


def _columns_by_heading(wanted: Iterable[Column]) -> dict[str, Column]:
    """Each column under its heading in every language of the site: the template downloaded from an English page
    (or by a colleague) must read the same in a Chinese session, and the other way round."""
    by_header: dict[str, Column] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column in wanted:
                by_header.setdefault(str(column.header), column)
    by_header.update({str(column.header): column for column in wanted})  # the page's language wins a clash
    return by_header


def parse(content: bytes, filename: str, *, with_unit: bool) -> ParsedFile:
    """Read the heading row and the data rows; a missing required column refuses the whole file."""
    rows = _table_rows(content, filename)
    header = None
    for row in rows:
        if any(_text(value) for value in row):
            header = [_text(value).replace("*", "").replace("＊", "").strip() for value in row]
            break
    if header is None:
        raise ImportFileError(_("文件是空的：第1行应为列标题（请使用模板）"))
    wanted = columns_for(with_unit=with_unit)
    by_header = _columns_by_heading(wanted)
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        column = by_header.get(heading)
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [str(column.header) for column in wanted if column.required and column.key not in positions]
    if missing:
        raise ImportFileError(_("缺少必填列：%(columns)s。请使用下载的模板，不要修改第1行的列标题")
                              % {"columns": sentences.join(missing)})
    data: list[RawRow] = []
    for number, row in enumerate(rows, start=2):
        values = {key: _text(row[index]) if index < len(row) else "" for key, index in positions.items()}
        if not any(values.values()):
            continue  # blank lines between blocks of rows are common in registries
        if len(data) >= MAX_ROWS:
            raise ImportFileError(_("一次最多导入%(limit)s行，请拆分文件后分批上传") % {"limit": MAX_ROWS})
        data.append(RawRow(number=number, values=values))
    if not data:
        raise ImportFileError(_("文件中没有企业数据：第2行起每行填写一家企业"))
    return ParsedFile(columns=positions, rows=data)


# --- checking ----------------------------------------------------------------------------------------------

def _messages(error: ValidationError) -> str:
    return "；".join(str(message) for message in error.messages)


def check_row(raw: RawRow, parsed: ParsedFile, *, with_unit: bool,
              admits_industry: Callable[[str], str | None] | None = None,
              unit_of: Callable[[str], object | None] | None = None) -> CheckedRow:
    """One row on its own: required values, lengths, the credit code (incl. its check character), the industry
    code (and whether the open call admits it), phone, e-mail, legal status and (city) the unit."""
    checked = CheckedRow(number=raw.number, values=dict(raw.values))
    columns = {column.key: column for column in columns_for(with_unit=with_unit)}

    def fail(key: str, message, source: dict | None = None) -> None:
        """``message``: a sentence (tidu.core.sentences) or a text with its ``source``."""
        if sentences.is_sentence(message):
            message, source = sentences.render(message), message
        column = columns[key]
        checked.errors.append(CellError(raw.number, parsed.letter(key), str(column.header), str(message), key,
                                        source))

    for key, column in columns.items():
        value = raw.values.get(key, "")
        if column.required and not value:
            fail(key, sentences.sentence(N("必填，不能为空")))
        elif len(value) > column.max_length:
            fail(key, sentences.sentence(N("不能超过%(max)s个字符（当前%(length)s个）"), max=column.max_length,
                                         length=len(value)))
        elif value and has_unsafe_characters(value):
            fail(key, sentences.sentence(N("含有不可见的控制字符（多来自复制粘贴），请删除后重新上传")))
    failed = {error.header for error in checked.errors}

    def clean(key: str, cleaner) -> None:
        value = raw.values.get(key, "")
        if not value or str(columns[key].header) in failed:
            return
        try:
            checked.values[key] = cleaner(value)
        except ValidationError as error:  # shown again in the reader's language by asking the validator again
            fail(key, _messages(error), {"clean": key, "value": value})

    clean("credit_code", validators.clean_credit_code)
    clean("industry_code", validators.clean_industry_code)
    clean("contact_phone", validators.clean_phone)
    email = raw.values.get("contact_email", "")
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            fail("contact_email", sentences.sentence(N("邮箱格式不正确，如 zhangsan@example.com")))
    status = raw.values.get("legal_status", "")
    if status:
        if status.lower() in LEGAL_STATUS_WORDS:
            checked.values["legal_status"] = LEGAL_STATUS_WORDS[status.lower()]
        else:
            fail("legal_status", sentences.sentence(N("应为“独立法人”或“法人的分支机构”，当前为“%(value)s”"), value=status))
    industry = checked.values.get("industry_code", "")
    if admits_industry is not None and industry and not any(e.header == str(columns["industry_code"].header)
                                                            for e in checked.errors):
        refusal = admits_industry(industry)
        if refusal:
            fail("industry_code", refusal)
    if with_unit and raw.values.get("unit") and unit_of is not None and unit_of(raw.values["unit"]) is None:
        fail("unit", sentences.sentence(N("没有名为“%(name)s”的乡镇、办事处、农场或开发区"), name=raw.values["unit"]))
    return checked


def check_rows(parsed: ParsedFile, *, with_unit: bool, registered: Callable[[Iterable[str]], set[str]],
               admits_industry: Callable[[str], str | None] | None = None,
               unit_of: Callable[[str], object | None] | None = None,
               names_in_units: Callable[[Iterable[tuple[str, str]]], set[tuple[str, str]]] | None = None,
               default_unit: str = "") -> list[CheckedRow]:
    """Every row on its own, then across the file (a credit code or a name in one unit twice: the later row is
    the error, naming the first) and against the registry (``registered(codes)`` → those already registered:
    skipped; ``names_in_units`` → (unit, name) pairs already registered under another code: an error)."""
    checked = [check_row(raw, parsed, with_unit=with_unit, admits_industry=admits_industry, unit_of=unit_of)
               for raw in parsed.rows]
    code_header = str(next(c.header for c in COLUMNS if c.key == "credit_code"))
    name_header = str(next(c.header for c in COLUMNS if c.key == "name"))
    first_code: dict[str, int] = {}
    first_name: dict[tuple[str, str], int] = {}
    for row in checked:
        code = row.values.get("credit_code", "")
        if code and not any(error.header == code_header for error in row.errors):
            if code in first_code:
                source = sentences.sentence(N("与第%(first)s行的统一社会信用代码重复"), first=first_code[code])
                row.errors.append(CellError(row.number, parsed.letter("credit_code"), code_header,
                                            sentences.render(source), "credit_code", source))
            else:
                first_code[code] = row.number
        key = (row.values.get("unit", default_unit), row.values.get("name", ""))
        if key[1]:
            if key in first_name:
                source = sentences.sentence(N("与第%(first)s行的企业同名（同一单位下企业名称不能重复）"),
                                            first=first_name[key])
                row.errors.append(CellError(row.number, parsed.letter("name"), name_header, sentences.render(source),
                                            "name", source))
            else:
                first_name[key] = row.number
    already = registered(first_code)
    for row in checked:
        if row.values.get("credit_code") in already and row.ok:
            row.existing = True
    if names_in_units is not None:
        taken = names_in_units([(row.values.get("unit", default_unit), row.values.get("name", ""))
                                for row in checked if row.ok and not row.existing])
        for row in checked:
            if row.ok and not row.existing and (row.values.get("unit", default_unit), row.values["name"]) in taken:
                source = sentences.sentence(N("本单位下已有同名企业登记（统一社会信用代码不同），请核实"))
                row.errors.append(CellError(row.number, parsed.letter("name"), name_header, sentences.render(source),
                                            "name", source))
    return checked


# --- a stored problem, shown in the reader's language ------------------------------------------------------

CLEANERS = {"credit_code": validators.clean_credit_code, "industry_code": validators.clean_industry_code,
            "contact_phone": validators.clean_phone}


def header_text(problem: dict) -> str:
    """A stored problem's column heading in the active language (as stored for a column it does not name)."""
    column = next((c for c in (*COLUMNS, UNIT_COLUMN) if c.key == problem.get("key")), None)
    return str(column.header) if column is not None else str(problem.get("header", ""))


def problem_text(problem: dict) -> str:
    """A stored problem's message in the active language: from its sentence, or by asking the validator that
    refused the value again; as stored when it has no source (checked before sources were kept)."""
    source = problem.get("msg")
    if sentences.is_sentence(source):
        return sentences.render(source)
    if isinstance(source, dict) and source.get("clean") in CLEANERS:
        try:
            CLEANERS[source["clean"]](str(source.get("value", "")))
        except ValidationError as error:
            return _messages(error)
    return str(problem.get("message", ""))


def shown(problem: dict) -> dict:
    """A stored problem for a page or the problems CSV: its heading and message in the active language."""
    return {**problem, "header": header_text(problem), "message": problem_text(problem)}


# --- the template ------------------------------------------------------------------------------------------

def template_xlsx(*, with_unit: bool) -> bytes:
    """The Excel template: headings (required ones marked *), one example row in grey, a note per column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("企业名单")
    columns = columns_for(with_unit=with_unit)
    append_row(sheet, [f"{column.header}{'*' if column.required else ''}" for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        if column.note:
            cell.comment = Comment(str(column.note), "tidu")
        sheet.column_dimensions[column_letter(index - 1)].width = max(12, min(40, column.max_length // 2 + 8))
    # Codes stay text (a credit code typed as a number loses its letters and leading zeros).
    for index in range(1, len(columns) + 1):
        for row in range(2, 202):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_headers(*, with_unit: bool) -> list[str]:
    return [str(column.header) for column in columns_for(with_unit=with_unit)]
