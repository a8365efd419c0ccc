"""Pages of the peer benchmark: the city's distributions per call, an enterprise's own figures against its peers."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.applications.models import Application
from tidu.benchmark import selectors, stats
from tidu.policy.selectors import call_list


@role_required(User.Role.CITY)
@require_GET
def city(request):
    calls = list(call_list())
    code = request.GET.get("call", "")
    call = next((c for c in calls if c.code == code), calls[0] if calls and not code else None)
    if code and call is None:
        raise Http404(gettext("没有这个申报批次"))
    groups = selectors.call_benchmark(request.user, call) if call is not None else []
    return render(request, "benchmark/city.html", {"calls": calls, "call": call, "groups": groups,
                                                   "k_min": stats.K_MIN, "suppressed": selectors.SUPPRESSED})


@role_required(User.Role.ENTERPRISE)
@require_GET
def mine(request):
    benchmarks = [selectors.application_benchmark(request.user, application)
                  for application in selectors.own_applications(request.user)]
    return render(request, "benchmark/mine.html", {"benchmarks": [b for b in benchmarks if b is not None],
                                                   "k_min": stats.K_MIN, "suppressed": selectors.SUPPRESSED})


@require_GET
def application(request, pk):
    """One application against its peers: its enterprise, the city, its township officer, its assigned experts."""
    found = get_object_or_404(Application.objects.select_related("enterprise__organisation", "call"), pk=pk)
    benchmark = selectors.application_benchmark(request.user, found) if request.user.is_authenticated else None
    if benchmark is None:
        raise Http404(gettext("找不到该申报"))
    return render(request, "benchmark/application.html", {"benchmark": benchmark, "k_min": stats.K_MIN,
                                                          "suppressed": selectors.SUPPRESSED})
