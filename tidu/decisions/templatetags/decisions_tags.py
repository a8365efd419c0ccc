"""The decision facts on other domains' pages, without those domains importing this one:

* ``{% decision_summary application %}`` — on the city's application page: panel total, the latest 评审结论 with
  its collective decision, the link to record one, and 不予认定 (when the application's "reject" allows it).
"""

from django import template

from tidu.decisions import selectors

register = template.Library()


@register.inclusion_tag("decisions/_summary.html", takes_context=True)
def decision_summary(context, application):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    if user is None or not selectors.may_decide(user):
        return {"show": False}
    return {"show": True, "application": application, "latest": selectors.latest_conclusion(application),
            "total": selectors.panel_total(application), "stage": selectors.stage_for(application),
            "user": user, "request": context.get("request"), "csrf_token": context.get("csrf_token")}
