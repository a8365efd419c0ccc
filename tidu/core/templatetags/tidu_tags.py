from django import template

from tidu.core import dates, nav, sentences, sizes

register = template.Library()

# The Chinese date forms and 北京时间, written once in tidu.core.dates; app tag libraries re-register these.
register.filter("beijing", dates.beijing_text)      # {{ moment|beijing }} / {{ moment|beijing:"%H:%M" }}
register.filter("date_zh", dates.date_zh)           # 2026年3月5日
register.filter("cn_date", dates.date_zh_weekday)   # 2026年4月3日（星期五）
register.filter("human_size", sizes.human_size)     # 1.5 MB
# A stored message (an engine finding or check, a KPI or import problem) in the reader's language, from its source.
register.filter("finding_text", sentences.text_of)  # {{ finding|finding_text }}
register.filter("date_local", dates.date_local)     # 2026年3月5日 / 5 Mar 2026 (the reader's language)
register.filter("moment_local", dates.moment_local)  # 2026年3月5日 14:30 / 5 Mar 2026 14:30 (北京时间)


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template (dict.key cannot take a variable key)."""
    return mapping.get(key, "") if mapping else ""


@register.simple_tag(takes_context=True)
def allowed(context, operation_name, obj):
    """``{% allowed "application.city_receive" application as can_receive %}``: the operation's own check().

    Templates never compare status strings; they ask the operation whether the current user may do it now.
    """
    from tidu.core.operations import operation

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if obj is None or user is None:
        return False
    return bool(operation(operation_name, obj).check(user))


# The header (core/base.html): links reversed and translated once per language and role (tidu.core.nav).
register.simple_tag(takes_context=True, name="site_nav")(nav.site_nav)
register.simple_tag(name="fixed_url")(nav.fixed_url)  # {% fixed_url "home" %}: a URL without arguments
