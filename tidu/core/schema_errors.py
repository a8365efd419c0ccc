"""Chinese descriptions of JSON Schema validation errors (plain Python, no Django).

jsonschema words its messages in English and for programmers; users of tidu need to be told, in
Chinese, which field is wrong and how.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    "object": "对象", "array": "列表", "string": "文本", "integer": "整数", "number": "数字",
    "boolean": "是/否（true/false）", "null": "空值",
}


def field_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "（顶层）"


def _type_name(expected: Any) -> str:
    if isinstance(expected, list):
        return "或".join(_TYPE_NAMES.get(t, t) for t in expected)
    return _TYPE_NAMES.get(expected, str(expected))


def describe(error: ValidationError) -> tuple[str, str]:
    """Return (field, Chinese message) for one validation error."""
    path = list(error.absolute_path)
    validator, value, expected = error.validator, error.instance, error.validator_value
    custom = (error.schema or {}).get("errorMessage") if isinstance(error.schema, dict) else None
    if validator == "required":
        missing = next((name for name in expected if isinstance(value, dict) and name not in value), "?")
        return field_path([*path, missing]), "缺少必填项"
    if custom:
        return field_path(path), custom
    if validator == "type":
        return field_path(path), f"应为{_type_name(expected)}，实际为 {value!r}"
    if validator == "enum":
        return field_path(path), f"取值 {value!r} 无效，应为 {'、'.join(map(str, expected))} 之一"
    if validator == "const":
        return field_path(path), f"取值应为 {expected!r}"
    if validator in ("minimum", "exclusiveMinimum"):
        word = "不能小于" if validator == "minimum" else "必须大于"
        return field_path(path), f"{value!r} {word} {expected}"
    if validator in ("maximum", "exclusiveMaximum"):
        word = "不能大于" if validator == "maximum" else "必须小于"
        return field_path(path), f"{value!r} {word} {expected}"
    if validator == "minLength":
        return field_path(path), "不能为空" if expected == 1 else f"至少需要 {expected} 个字符"
    if validator == "maxLength":
        return field_path(path), f"不能超过 {expected} 个字符（现有 {len(value)} 个）"
    if validator == "minItems":
        return field_path(path), f"至少需要 {expected} 项"
    if validator == "maxItems":
        return field_path(path), f"最多 {expected} 项"
    if validator == "uniqueItems":
        return field_path(path), "不能有重复项"
    if validator == "pattern":
        return field_path(path), f"格式不正确：{value!r}"
    if validator == "format":
        return field_path(path), f"{value!r} 不是有效的{ {'date': '日期（YYYY-MM-DD）'}.get(expected, expected) }"
    if validator == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {}))) if isinstance(value, dict) else []
        return field_path(path), f"不认识的字段：{'、'.join(extra)}"
    if validator == "dependentRequired" and isinstance(value, dict) and isinstance(expected, dict):
        for name, needs in expected.items():
            missing = [need for need in needs if name in value and need not in value]
            if missing:
                return field_path([*path, missing[0]]), f"写了 {name} 就须同时写 {missing[0]}（缺少必填项）"
    return field_path(path), f"不符合要求（{validator}）"


def describe_all(errors: Iterable[ValidationError]) -> list[tuple[str, str]]:
    return [describe(error) for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])]
