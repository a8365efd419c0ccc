"""Small display helpers for the application pages."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.translation import gettext, ngettext

from tidu.accounts import permissions
from tidu.applications import revision
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.core import clock, sentences
from tidu.core.dates import beijing_text
from tidu.core.sizes import megabytes
from tidu.eligibility.findings import RESULT_LABELS, Outcome, Result

register = template.Library()
register.filter("beijing", beijing_text)  # the one 北京时间 filter (tidu.core), for pages loading only this library
register.filter("finding_text", sentences.text_of)  # a finding's message in the reader's language (tidu.core)


@register.filter
def sees_technical(user) -> bool:
    """Officials (乡镇、市经信局、系统管理员) see the 技术信息 block: pack ids, versions, JSON links. Enterprises do not."""
    return bool(user and user.is_authenticated) and (
        permissions.is_township_user(user) or permissions.is_city_user(user) or permissions.is_admin(user))


@register.filter
def result_label(value) -> str:
    """符合 / 不符合 / 需人工复核 / 待填写 for a result code (also from a stored verdict dict)."""
    try:
        return gettext(RESULT_LABELS[Result(str(value))])
    except ValueError:
        return str(value)


@register.filter
def outcome_label(value) -> str:
    try:
        return gettext(Outcome(str(value)).label)
    except ValueError:
        return str(value)


@register.filter
def translated(value) -> str:
    """A label stored in Chinese (e.g. a frozen verdict's outcome_label) in the reader's language."""
    return gettext(str(value)) if value else ""


@register.filter
def check_label(item) -> str:
    """A 形式审查 checklist item's label in the reader's language, rebuilt from its key (the stored label is the
    Chinese of the moment it was made; clause ids stay as they are)."""
    get = item.get if isinstance(item, dict) else (lambda name, default=None: getattr(item, name, default))
    key, label = str(get("key", "") or ""), get("label", "") or ""
    kind, _sep, name = key.partition(":")
    if kind == "section" and name in SECTIONS_BY_KEY:
        return gettext("“%(title)s”填写完整") % {"title": gettext(SECTIONS_BY_KEY[name].title)}
    if kind == "evidence" and name == "maturity_report_match":
        return gettext("自评估报告与申报书填写一致")
    if kind == "evidence" and str(label).endswith("已上传") and not str(label).endswith("佐证材料已上传"):
        return gettext(str(label))  # an item the call's clause declares (formal_review), e.g. 成熟度自评估报告已上传
    if kind == "evidence" and name:
        return gettext("%(label)s佐证材料已上传") % {"label": gettext(name)}
    return label


_COUNTS = re.compile(r"^(?:(\d+) 项未填)?(?:，)?(?:(\d+) 项有误)?$")


@register.filter
def check_message(item) -> str:
    """A 形式审查 checklist item's engine message in the reader's language: the fixed 材料齐全 messages are
    rebuilt from the key and the stored Chinese; a clause's message is the engine's own, shown
    from its source sentences when they were stored."""
    get = item.get if isinstance(item, dict) else (lambda name, default=None: getattr(item, name, default))
    key, message = str(get("key", "") or ""), str(get("engine_message", "") or "")
    kind, _sep, name = key.partition(":")
    if kind == "section":
        counts = _COUNTS.match(message)
        if message == "已完整填写":
            return gettext("已完整填写")
        if counts and message:
            parts = []
            if counts.group(1):
                parts.append(gettext("%(n)s 项未填") % {"n": counts.group(1)})
            if counts.group(2):
                parts.append(gettext("%(n)s 项有误") % {"n": counts.group(2)})
            return gettext("，").join(parts)
    if kind == "evidence":
        if message == "已上传":
            return gettext("已上传")
        if name == "maturity_report" and message == "未上传自评估报告":
            return gettext("未上传自评估报告")
        if message == f"未上传{name}的佐证材料":
            return gettext("未上传%(label)s的佐证材料") % {"label": gettext(name)}
    if kind == "clause" and get("engine_msg"):  # the engine's own message, from its source sentences
        return sentences.text_of({"message": message, "msg": get("engine_msg")})
    return message


@register.filter
def section_title(key) -> str:
    section = SECTIONS_BY_KEY.get(str(key))
    return section.title if section else str(key)


@register.filter
def lookup(mapping, key):
    """mapping[key] or "" (for dicts keyed by a variable)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.simple_tag
def evidence_max_mb() -> str:
    return megabytes(settings.TIDU_EVIDENCE_MAX_BYTES)


@register.filter
def days_left(item) -> str:
    """剩 N 天 / 今天截止 / 已截止 for a deadline dict built by the views."""
    days = item.get("days") if isinstance(item, dict) else None
    if days is None:
        return ""
    if days < 0:
        return gettext("已截止")
    if days == 0:
        return gettext("今天截止")
    return ngettext("还剩 %(days)d 天", "还剩 %(days)d 天", days) % {"days": days}


@register.simple_tag
def revision_due_form(application) -> dict:
    """The return form's 补正期限: {"default": date or None, "note": where it comes from, "today": date}."""
    return revision.form_default(application)


@register.simple_tag
def revision_state(application) -> dict | None:
    """A returned application's 补正期限 as pages show it: {"due": date, "lapsed": bool}; None without one."""
    if not revision.pending(application):
        return None
    return revision.due_state(application, clock.business_today())
