"""Every list, dashboard and export page reads the same number of queries at 5 and at 40 applications: the work
of a page follows what it shows, not the size of the call (bench/pages_bench.py measures 100 and 10,000)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tidu import testing as build
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.review import services as review_services

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 40


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""


@pytest.fixture
def world():
    call = build.load_call()
    units = [build.unit("岳口镇", "township"), build.unit("竟陵街道办事处")]
    town = build.officer(units[0], "town")
    city = build.city_officer("city")
    build.expert("expert1", profile=True)
    enterprise = build.enterprise(units[0], "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    template = build.application(enterprise, call=call)
    build.submitted(template)
    template.refresh_from_db()
    return {"call": call, "units": units, "town": town, "city": city, "template": template}


def _pages(world, run_pk):
    call = world["call"]
    city, town = world["city"], world["town"]
    return {
        "city all-applications list": (city, reverse("applications:all_list")),
        "township applications list": (town, reverse("applications:unit_list")),
        "intake": (city, reverse("review:intake") + f"?call={call.code}"),
        "batch result": (city, reverse("review:batch_result", args=[run_pk])),
        "dashboards overview": (city, reverse("dashboards:overview") + f"?call={call.code}"),
        "dashboards CSV": (city, reverse("dashboards:table_csv") + f"?call={call.code}&table=units"),
        "汇总表 export page": (city, reverse("documents:summary_export", args=[call.pk])),
        "expert pool": (city, reverse("experts:pool")),
        "township dashboard": (town, reverse("review:township_dashboard")),
        "township dashboard, page 2": (town, reverse("review:township_dashboard") + f"?call={call.code}&page=2"),
        "操作日志 of the call": (city, reverse("records:call_log", args=[call.pk])),
        "操作日志 CSV": (city, reverse("records:call_log_export", args=[call.pk]) + "?format=csv"),
    }


def _counts(client, world) -> dict[str, int]:
    applications = Application.objects.exclude(status=State.DRAFT)
    run = review_services.batch_run(applications=applications, action="city_receive", user=world["city"])
    counts = {}
    for name, (user, url) in _pages(world, run.pk).items():
        client.force_login(user)
        assert client.get(url).status_code == 200, name  # warm: the policy is read once per process
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


# Pages whose count still grows with the call, and why (named so that fixing one makes this test say so).
GROWING: dict[str, str] = {}


def test_pages_read_a_constant_number_of_queries_at_two_sizes(client, world, monkeypatch):
    from tidu.review import selectors as review_selectors

    monkeypatch.setattr(review_selectors, "TOWNSHIP_PAGE_SIZE", 2)  # the unit's enterprises span pages at both sizes
    build.clone_applications(world["template"], SMALL - 1, units=world["units"])
    small = _counts(client, world)
    build.clone_applications(world["template"], LARGE - SMALL, units=world["units"], serial_from=SMALL)
    assert Application.objects.exclude(status=State.DRAFT).count() == LARGE
    large = _counts(client, world)
    growing = {name for name in small if large[name] != small[name]}
    report = {name: (small[name], large[name]) for name in small}
    assert growing <= set(GROWING), f"queries at {SMALL} → {LARGE} applications: {report}"
    assert growing == set(GROWING), f"fixed, remove from GROWING: {set(GROWING) - growing} ({report})"
