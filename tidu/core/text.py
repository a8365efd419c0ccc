"""Text that enters from outside (forms, autosave, JSON, query strings): unsafe characters are refused, not stored.

A NUL cannot be stored in PostgreSQL text or jsonb (the save failed with a server error there while SQLite
kept it), other C0 controls break XLSX and XML output later, a lone surrogate (only possible through JSON
escapes) cannot be encoded at all, and the bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069) make a name display differently from what it is (``公司\u202e…`` reads backwards). None of
them comes from typing, only from copy-and-paste or a crafted request, so the field is named and the person
removes them; what they typed stays in their form.

Three places apply the rule at the boundary: ``tidu.core.forms.SafeTextMixin`` (every project form),
``Operation.execute`` (every string parameter of every operation: the views that read ``request.POST``
directly, autosave and JSON imports), and ``UnsafeTextMiddleware`` (query strings and paths, and a 400
instead of a 500 should a character slip past both to the database).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

# C0 controls except tab, LF and CR; DEL; lone surrogates; bidirectional embeddings/overrides and isolates.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
UNSAFE_CHARACTERS = CONTROL_CHARACTERS


def has_unsafe_characters(value: Any) -> bool:
    return bool(control_character_paths(value))


def control_character_paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Where in a (nested) value a string holds a control character: a list of key/index paths."""
    if isinstance(value, str):
        return [path] if CONTROL_CHARACTERS.search(value) else []
    if isinstance(value, dict):
        found_in_keys = [(*path, key) for key in value if isinstance(key, str) and CONTROL_CHARACTERS.search(key)]
        return found_in_keys + [found for key, item in value.items()
                                for found in control_character_paths(item, (*path, key))]
    if isinstance(value, list | tuple):
        return [found for index, item in enumerate(value) for found in control_character_paths(item, (*path, index))]
    return []


def visible(value: str) -> str:
    """The text with each unsafe character shown as its code point (for messages and logs)."""
    return CONTROL_CHARACTERS.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


def field_message(label: str) -> str:
    return _("“%(field)s”含有不可见的控制字符（如 NUL、换页符或文字方向控制符，多来自复制粘贴），请删除后再提交；"
             "已填写的内容仍保留在表单中。") % {"field": label}


# Chinese names of the parameters operations take from people (``Operation.text_labels`` adds its own).
PARAM_LABELS = {
    "reason": _l("理由"), "note": _l("说明"), "comments": _l("评审意见"), "resolution": _l("处理说明"), "opinions": _l("推荐意见"),
    "section_reasons": _l("退回理由"), "override_reasons": _l("不予采纳的理由"), "reply": _l("答复"), "facts": _l("核查事实"),
    "investigation": _l("调查情况"), "outcome": _l("处理结果"), "guidance": _l("填写指引"), "name": _l("名称"),
    "contact_name": _l("联系人"), "contact_phone": _l("联系电话"), "contact_email": _l("电子邮箱"), "phone": _l("电话"),
    "email": _l("电子邮箱"), "username": _l("用户名"), "topic": _l("主题"), "result": _l("结果"), "data": _l("提交的内容"),
    "fields": _l("提交的内容"), "raw": _l("导入的内容"), "placeholders": _l("模板占位符"), "original_name": _l("文件名"),
    "preview_name": _l("文件名"), "unit": _l("单位"), "decision": _l("决定"), "kind": _l("类型"), "role": _l("角色"),
    "planned_date": _l("计划日期"), "editor_token": _l("编辑标识"), "idempotency_key": _l("提交标识"), "key": _l("部分"),
}


def param_places(params: dict, labels: dict | None = None, skip: tuple = ()) -> list[str]:
    """The Chinese names of the parameters (or nested parts of them) that hold an unsafe character."""
    labels = {**PARAM_LABELS, **(labels or {})}
    places = []
    for name, value in params.items():
        if name in skip:
            continue
        for path in control_character_paths(value, (name,)):
            label = next((labels[p] for p in reversed(path) if isinstance(p, str) and p in labels), None)
            places.append(f"“{label or _('提交的内容')}”")
    return list(dict.fromkeys(places))
