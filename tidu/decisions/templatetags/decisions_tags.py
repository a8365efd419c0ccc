"""The decision facts on other domains' pages, without those domains importing this one:

* ``{% decision_summary application %}`` — on the city's application page: panel total, the latest 评审结论 with
  its collective decision, the link to record one, and 不予认定 (when the application's "reject" allows it).
"""

from django import template
from django.urls import reverse

from tidu.decisions import letters, selectors

register = template.Library()


@register.inclusion_tag("decisions/_summary.html", takes_context=True)
def decision_summary(context, application):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    if user is None or not selectors.may_decide(user):
        return {"show": False}
    return {"show": True, "application": application, "latest": selectors.latest_conclusion(application),
            "total": selectors.panel_total(application), "stage": selectors.stage_for(application),
            "user": user, "request": context.get("request"), "csrf_token": context.get("csrf_token")}


@register.simple_tag(takes_context=True)
def outcome_letter_url(context, application) -> str:
    """The 认定 / 不予认定 letter's download address for this reader, or "" (no outcome yet, or not theirs)."""
    user = getattr(context.get("request"), "user", None) or context.get("user")
    if user is None or application.status not in letters.LETTER_ACTIONS.values():
        return ""
    if not letters.can_view_letter(user, application):
        return ""
    return reverse("decisions:letter", args=[application.pk])
