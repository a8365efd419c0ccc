from django import template
from django.utils import formats, translation

from tidu.core.dates import date_zh_weekday

register = template.Library()
# 2026-04-03 → 2026年4月3日（星期五）, whatever the page language; one copy, in tidu.core (documents use it).
register.filter("cn_date", date_zh_weekday)


@register.filter
def date_weekday(value) -> str:
    """A day with its weekday in the page's language: 2026年4月3日（星期五） / Fri 3 Apr 2026."""
    if not value:
        return ""
    if translation.get_language().startswith("zh"):
        return date_zh_weekday(value)
    return f"{formats.date_format(value, 'D')} {formats.date_format(value, 'DATE_FORMAT')}"
