"""Reading what an expert typed into a score box: an integer or one decimal within 0..max."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def fmt_points(value: Decimal | None) -> str:
    """20 → “20”, 7.5 → “7.5”, None → “”."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_points(text: str | None, max_points: Decimal) -> tuple[Decimal | None, str | None]:
    """(value, error) for one score box; empty input gives (None, None). Messages in the reader's language."""
    raw = (text or "").strip()
    if not raw:
        return None, None
    normalised = unicodedata.normalize("NFKC", raw).replace("。", ".").replace(" ", "")
    if not _NUMBER.match(normalised):
        return None, gettext("“%(raw)s”不是数字，请填写 0 到 %(max)s 之间的分数") % {"raw": raw, "max": fmt_points(max_points)}
    try:
        value = Decimal(normalised)
    except InvalidOperation:
        return None, gettext("“%(raw)s”不是数字，请填写 0 到 %(max)s 之间的分数") % {"raw": raw, "max": fmt_points(max_points)}
    if value < 0:
        return None, gettext("不能为负数（填写了 %(raw)s）") % {"raw": raw}
    if value > max_points:
        return None, gettext("不能超过该项满分 %(max)s 分（填写了 %(raw)s）") % {"max": fmt_points(max_points), "raw": raw}
    if value != value.quantize(Decimal("0.1")):
        return None, gettext("最多保留一位小数（填写了 %(raw)s）") % {"raw": raw}
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
            return None, gettext("“%(part)s”有误：%(error)s") % {"part": part, "error": error}
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
        return gettext("本项按档给分，只能填 %(allowed)s 分（填写了 %(shown)s）") % {"allowed": fmt_scale(allowed), "shown": shown}
    if step and value % step != 0:
        return gettext("本项按 %(step)s 分一档给分（0、%(step)s、%(double)s……），填写了 %(shown)s") % {
            "step": fmt_points(step), "double": fmt_points(step * 2), "shown": shown}
    return None
