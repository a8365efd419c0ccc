"""One call built through the real services (submitted, expert-reviewed with scores, on-site verified, 公示 and
认定): the dashboard's CSV figures are the exports' counts — the intake export's rows per status (filtered and
not), the call's 认定名单, and the expert scores export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tidu import testing as build
from tidu.applications.workflow import State, state_label
from tidu.publicity import services as publicity_services
from tidu.publicity.tests.conftest import AFTER, BEFORE, IN_WINDOW, make_publicity

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def built(world, city):
    """a, b: scored by three experts, verified on site, on one 公示, recognised; c: scored, not yet on site."""
    call, users = world["call"], world["users"]
    experts = [build.expert(f"cx{n}", name, profile=True, email=None)
               for n, name in enumerate(("钱专家", "孙专家", "李专家"))]
    applications = {}
    for key in ("a", "b", "c"):
        application = build.application(world["enterprises"][key], call=call, user=users[key])
        build.submitted(application, user=users[key], key=f"k-{key}", now=IN_WINDOW)
        build.expert_reviewed(application, experts, city=city)
        applications[key] = application
    for key in ("a", "b"):
        build.drive_to(applications[key], State.ONSITE_VERIFIED)
    publicity = make_publicity(call, city, [applications["a"], applications["b"]])
    publicity_services.publicity_publish(publicity=publicity, user=city, now=BEFORE)
    publicity_services.publicity_finalise(publicity=publicity, user=city, now=AFTER)
    for application in applications.values():
        application.refresh_from_db()
    return applications


def test_the_dashboard_figures_are_the_exports_counts(client, world, city, built):
    call = world["call"]
    client.force_login(city)
    funnel = _csv(client.get(reverse("dashboards:table_csv"), {"call": call.code, "table": "funnel"}))
    header, rows = funnel[0], funnel[1:]
    current = {row[0]: int(row[header.index("当前数量")]) for row in rows}
    reached = {row[0]: int(row[header.index("累计到达")]) for row in rows}
    assert current[str(state_label(State.RECOGNISED))] == 2 and current[str(state_label(State.EXPERT_REVIEWED))] == 1

    # The intake export, all of it: one row per application, as many per status as the dashboard counts now.
    intake = _csv(client.get(reverse("decisions:intake_csv"), {"call": call.code}))
    status_column = intake[0].index("状态")
    by_status: dict[str, int] = {}
    for row in intake[1:]:
        by_status[row[status_column]] = by_status.get(row[status_column], 0) + 1
    assert by_status == {label: n for label, n in current.items() if n}
    # … and filtered by each status, the same number of rows.
    for status in (State.RECOGNISED, State.EXPERT_REVIEWED):
        filtered = _csv(client.get(reverse("decisions:intake_csv"), {"call": call.code, "status": status}))
        assert len(filtered) - 1 == current[str(state_label(status))]

    # The call's 认定名单: as many entries as the dashboard's 已认定.
    final = _csv(client.get(reverse("publicity:call_final_csv", args=[call.code])))
    names = [row for row in final if any(b.enterprise.name in row for b in built.values())]
    assert len(names) == current[str(state_label(State.RECOGNISED))] == 2
    assert {built["a"].enterprise.name, built["b"].enterprise.name} <= {cell for row in names for cell in row}

    # The scores export: one summary row per application whose scores are all in, as many as reached 专家评审完成.
    response = client.get(reverse("experts:scores_export", args=[call.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                        else response.content))
    summary = [row for row in workbook["汇总"].iter_rows(min_row=3, values_only=True) if row[0]]
    assert len(summary) == reached[str(state_label(State.EXPERT_REVIEWED))] == 3
    assert {row[2] for row in summary} == {a.enterprise.name for a in built.values()}
