"""The peer benchmark on other domains' pages, without those domains importing this one:

* ``{% peer_comparison application %}`` — the application's KPIs against its industry peers (same call, 大类 and
  tier), for whoever ``selectors.application_benchmark`` allows (its enterprise, the city, its township officer,
  its assigned experts); nothing for anyone else. ``outcomes_only=True`` shows it only for a tier whose
  建设成效 the experts judge (先进级 and above), as on the expert's scoring screen; ``verdict`` puts that
  verdict's 建设成效 findings above the figures.
"""

from django import template

from tidu.benchmark import selectors, stats

register = template.Library()


@register.inclusion_tag("benchmark/_comparison.html", takes_context=True)
def peer_comparison(context, application, outcomes_only=False, verdict=None):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    shown = not outcomes_only or selectors.outcomes_judged(application)
    benchmark = selectors.application_benchmark(user, application) if user is not None and shown else None
    # The 建设成效 findings of ``verdict`` (the engine names them "建设成效-<tier>"), shown above the figures.
    outcomes = [f for f in getattr(verdict, "findings", ()) if f.clause.startswith("建设成效")] if benchmark else []
    return {"benchmark": benchmark, "outcomes": outcomes, "k_min": stats.K_MIN, "suppressed": selectors.SUPPRESSED}


@register.filter
def pct(value):
    return "—" if value is None else f"{value:g}"
