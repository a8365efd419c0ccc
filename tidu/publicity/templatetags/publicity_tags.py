from django import template

from tidu.core.dates import date_zh_weekday

register = template.Library()
# 2026-04-03 → 2026年4月3日（星期五）, whatever the page language (the notice is in Chinese); one copy, in tidu.core.
register.filter("cn_date", date_zh_weekday)
