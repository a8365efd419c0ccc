"""The city's dashboards: server-rendered SVG charts, each followed by its numbers and a CSV download."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext

from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.core.downloads import CSV_CONTENT_TYPE, attachment, csv_bytes
from tidu.dashboards import selectors
from tidu.policy.selectors import call_list

city_required = role_required(User.Role.CITY)  # 系统管理员 is not city (accounts.permissions)


def _selected_call(request):
    calls = list(call_list())
    code = request.GET.get("call", "")
    selected = next((call for call in calls if call.code == code), calls[0] if calls else None)
    if code and selected is not None and selected.code != code:
        raise Http404(gettext("没有这个申报批次"))
    return calls, selected


@city_required
def overview(request):
    calls, call = _selected_call(request)
    data = selectors.overview(call) if call is not None else None
    return render(request, "dashboards/overview.html", {"calls": calls, "call": call, "data": data})


@city_required
def table_csv(request):
    calls, call = _selected_call(request)
    if call is None:
        raise Http404
    table = selectors.overview(call).tables.get(request.GET.get("table", ""))
    if table is None:
        raise Http404(gettext("没有这个统计表"))
    return attachment(csv_bytes(table.headers, table.rows), f"{call.code}-{table.key}.csv", CSV_CONTENT_TYPE)
