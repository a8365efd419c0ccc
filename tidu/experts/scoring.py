"""Reading what an expert typed into a score box (plain Python): an integer or one decimal within 0..max."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def fmt_points(value: Decimal | None) -> str:
    """20 → “20”, 7.5 → “7.5”, None → “”."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_points(text: str | None, max_points: Decimal) -> tuple[Decimal | None, str | None]:
    """(value, error) for one score box; empty input gives (None, None). Messages are Chinese, for the page."""
    raw = (text or "").strip()
    if not raw:
        return None, None
    normalised = unicodedata.normalize("NFKC", raw).replace("。", ".").replace(" ", "")
    if not _NUMBER.match(normalised):
        return None, f"“{raw}”不是数字，请填写 0 到 {fmt_points(max_points)} 之间的分数"
    try:
        value = Decimal(normalised)
    except InvalidOperation:
        return None, f"“{raw}”不是数字，请填写 0 到 {fmt_points(max_points)} 之间的分数"
    if value < 0:
        return None, f"不能为负数（填写了 {raw}）"
    if value > max_points:
        return None, f"不能超过该项满分 {fmt_points(max_points)} 分（填写了 {raw}）"
    if value != value.quantize(Decimal("0.1")):
        return None, f"最多保留一位小数（填写了 {raw}）"
    return value.quantize(Decimal("0.1")), None
