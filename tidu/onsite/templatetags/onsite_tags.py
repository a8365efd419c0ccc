"""``{% onsite_discrepancies application %}``: the discrepancies (不符) found on site, for any review page."""

from django import template

from tidu.onsite import selectors

register = template.Library()


@register.inclusion_tag("onsite/_discrepancies.html", takes_context=True)
def onsite_discrepancies(context, application, title=""):
    user = context.get("user") or getattr(context.get("request"), "user", None)
    from tidu.onsite import permissions

    items = selectors.discrepancies_for(application) if user is not None and permissions.is_city(user) else []
    return {"items": items, "title": title, "user": user, "csrf_token": context.get("csrf_token")}
