from django import template

from tidu.publicity.services import date_text

register = template.Library()


@register.filter
def cn_date(day):
    """2026-04-03 → 2026年4月3日（星期五）, whatever the page language (the notice is in Chinese)."""
    return date_text(day) if day else ""
