"""On-site findings for other domains' pages, without those domains importing this one:

* ``{% onsite_discrepancies application %}`` — the discrepancies (不符) found on site (the city sees them all;
  ``open_only=True`` shows only those not yet handled, e.g. to the experts on their scoring page);
* ``{% onsite_latest_check application as onsite_check %}`` — the application's latest check, if any;
* ``{% onsite_awaiting_count as n %}`` — applications waiting for a check to be arranged (city only).
"""

from django import template

from tidu.accounts import permissions as accounts
from tidu.onsite import selectors

register = template.Library()


def _user(context):
    return getattr(context.get("request"), "user", None) or context.get("user")


@register.inclusion_tag("onsite/_discrepancies.html", takes_context=True)
def onsite_discrepancies(context, application, title="", open_only=False):
    user = _user(context)
    if user is None:
        items = []
    elif open_only:
        items = selectors.open_discrepancies(application)
    else:
        items = selectors.discrepancies_for(application) if accounts.is_city_user(user) else []
    return {"items": items, "title": title, "user": user, "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}


@register.simple_tag
def onsite_latest_check(application):
    return selectors.latest_check(application)


@register.simple_tag(takes_context=True)
def onsite_awaiting_count(context):
    user = _user(context)
    return selectors.awaiting_check(user).count() if user is not None else 0
