from django.shortcuts import get_object_or_404, render

from tidu.core import clock
from tidu.policy import (
    operations,  # noqa: F401 - registers the editor's operations ({% allowed %} on the call page)
    selectors,
)
from tidu.policy.models import Call


def call_list(request):
    now = clock.now()
    calls = [{"call": call, "state": _state(call, now)} for call in selectors.call_list()]
    return render(request, "policy/call_list.html", {"calls": calls})


def call_detail(request, code):
    call = get_object_or_404(Call.objects.select_related("call_pack"), code=code)
    policy = selectors.call_policy_for(call)
    context = {
        "call": call,
        "state": _state(call, clock.now()),
        "policy": policy,
        "content": policy.call.content,
        "conditions": policy.call.content["conditions"],
        "basic_requirements": policy.tiers.content["basic_requirements"],
        "tiers": policy.tiers.content["tiers"],
        "call_tier": policy.call_tier,
        "domains": selectors.scenario_catalogue(policy),
        "domain_names": {d_id: d["name"] for d_id, d in policy.domain_map.items()},
        "mode_innovation": policy.taxonomy.content["mode_innovation"],
        "kpi_categories": selectors.kpi_catalogue(policy),
        "maturity": policy.maturity.content,
        "sources": selectors.source_index(policy),
    }
    return render(request, "policy/call_detail.html", context)


def _state(call: Call, now) -> str:
    if now < call.opens_at:
        return "upcoming"
    return "open" if now < call.closes_before else "closed"
