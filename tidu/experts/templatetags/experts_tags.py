"""Expert review for other domains' pages, without those domains importing this one:

* ``{% expert_panel application %}`` — the panel side by side for the city, once the seal is off: every
  expert's points criterion by criterion with min / max / range, the total, every written opinion, the
  panel opinion (专家组意见) and, when the review was completed below quorum, the recorded reason.
  ``compact=True`` leaves out the written opinions' details and links to the expert-review page.
  Anyone but the city sees nothing (sealed scoring; experts see their own panel on their scoring page).
"""

from django import template

from tidu.experts import selectors, services

register = template.Library()


def _user(context):
    return getattr(context.get("request"), "user", None) or context.get("user")


@register.inclusion_tag("experts/_panel.html", takes_context=True)
def expert_panel(context, application, compact=False):
    user = _user(context)
    panel = selectors.panel_for(user, application) if user is not None else None
    return {"panel": panel, "compact": compact, "application": application,
            "result": services.latest_result(application) if panel is not None else None,
            "request": context.get("request")}
