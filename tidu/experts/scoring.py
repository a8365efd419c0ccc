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


_SCALE_SEPARATORS = re.compile(r"[,，、;；/\s]+")


def parse_scale(text: str | None, max_points: Decimal) -> tuple[list[Decimal] | None, str | None]:
    """A criterion's allowed values, typed as "0,5,10,20" (Chinese commas and 、 too): (sorted values, error).

    Empty text gives (None, None): any value may be given.
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        return None, None
    values = set()
    for part in _SCALE_SEPARATORS.split(raw):
        if not part:
            continue
        value, error = parse_points(part, max_points)
        if error:
            return None, f"“{part}”有误：{error}"
        values.add(value)
    if not values:
        return None, None
    return sorted(values), None


def fmt_scale(values) -> str:
    return "、".join(fmt_points(v) for v in values)


def scale_error(value: Decimal, *, allowed: list[Decimal] | None, step: Decimal | None, typed: str = "") -> str | None:
    """Why ``value`` is not on the criterion's scale (allowed values, or multiples of ``step``), or None."""
    shown = typed.strip() or fmt_points(value)
    if allowed and value not in allowed:
        return f"本项按档给分，只能填 {fmt_scale(allowed)} 分（填写了 {shown}）"
    if step and value % step != 0:
        return f"本项按 {fmt_points(step)} 分一档给分（0、{fmt_points(step)}、{fmt_points(step * 2)}……），填写了 {shown}"
    return None
