"""统一社会信用代码 (unified social credit code) checks after GB 32100-2015. Pure Python apart from gettext.

The code has 18 characters drawn from ``CHARSET`` (digits and the capital letters other than
I, O, S, V, Z). The 18th is a check character computed from the first 17:
``c18 = 31 − (Σ value(ci)·weight(i) mod 31)``, where 31 becomes 0.
"""

import re
import unicodedata

from django.utils.translation import gettext

from tidu.core.errors import TiduError

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUES = {char: value for value, char in enumerate(CHARSET)}
_WHITESPACE = re.compile(r"\s+")


class CreditCodeError(TiduError, ValueError):
    """The code is not a well-formed 统一社会信用代码; the message says why, in Chinese."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def normalise(value: str) -> str:
    """Full-width to half-width, spaces removed, letters upper-cased."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", value or "")).upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must all be in CHARSET)."""
    if len(first17) != LENGTH - 1:
        raise ValueError("需要前17位")
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate(value: str) -> str:
    """Return the normalised code, or raise CreditCodeError naming the first problem found."""
    code = normalise(value)
    if not code:
        raise CreditCodeError(gettext("请填写统一社会信用代码"), "empty")
    if len(code) != LENGTH:
        raise CreditCodeError(gettext("统一社会信用代码应为18位，当前%(length)s位") % {"length": len(code)}, "length")
    for position, char in enumerate(code, start=1):
        if char not in _VALUES:
            raise CreditCodeError(
                gettext("统一社会信用代码第%(position)s位的字符“%(char)s”不合法：只能使用数字0–9和大写字母"
                        "（不含 I、O、S、V、Z）") % {"position": position, "char": char}, "character")
    expected = check_character(code[:-1])
    if code[-1] != expected:
        raise CreditCodeError(
            gettext("统一社会信用代码整体校验不通过：18位中至少有一位与营业执照不符（不一定是最后一位）。"
                    "请对照营业执照逐位核对全部18位，常见的是相邻两位颠倒或抄错一位。"
                    "（按前17位计算，校验码应为%(expected)s，实际为%(actual)s）")
            % {"expected": expected, "actual": code[-1]}, "check")
    return code


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except CreditCodeError:
        return False
    return True


def region_code(code: str) -> str:
    """Characters 3–8: the registration authority's 行政区划代码 (6 digits), or '' when they are not digits."""
    part = normalise(code)[2:8]
    return part if len(part) == 6 and part.isdigit() else ""
