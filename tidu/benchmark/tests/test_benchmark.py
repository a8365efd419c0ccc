"""Peer benchmark of the KPIs: k-anonymity (k = 5), quartiles and percentiles on hand-computed figures, and who sees
whose values."""

from __future__ import annotations

import types

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tidu import testing as build
from tidu.benchmark import selectors, stats
from tidu.experts import services as expert_services
from tidu.experts import testing

pytestmark = pytest.mark.django_db


# --- the statistics, by hand -------------------------------------------------------------------------

def test_quartiles_of_five_and_six_values():
    assert stats.group_stats([50, 10, 40, 20, 30]) == stats.GroupStats(count=5, q1=20, median=30, q3=40)
    # six values: positions 1.25, 2.5, 3.75 between the sorted values (inclusive method)
    assert stats.group_stats([6, 1, 5, 2, 4, 3]) == stats.GroupStats(count=6, q1=2.25, median=3.5, q3=4.75)


def test_four_values_are_never_described():
    assert stats.group_stats([10, 20, 30, 40]) is None
    assert stats.percentile(40, [10, 20, 30, 40]) is None


def test_percentile_counts_the_peers_done_better_than_with_ties_half_in_the_kpis_direction():
    values = [10, 20, 30, 40, 50]
    assert stats.percentile(40, values, "higher") == 70.0  # better than 10, 20, 30; itself half: 3.5 / 5
    assert stats.percentile(40, values, "lower") == 30.0   # lower is better: better only than 50
    assert stats.percentile(10, values, "lower") == 90.0
    assert stats.percentile(30, [10, 30, 30, 30, 50], "higher") == 50.0  # three ties: 1 + 1.5 of 5


# --- the figures from stored submissions ----------------------------------------------------------------

@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    w = testing.world()
    w["a"] = testing.to_formal_passed(w, "a")  # 华楚, C3484, K01 = 40
    w["b"] = testing.submit(w, "b")            # 岳口纺织, also C3484 in this world: K01 = 10 (the group's minimum)
    build.set_kpis(w["a"], {"K01": 40.0, "K07": 12.5})
    build.set_kpis(w["b"], {"K01": 10.0})
    w["peers"] = build.peer_applications(w["a"], [{"K01": 20.0}, {"K01": 30.0}])
    # Another 大类 (C13) with five enterprises: never mixed with C34.
    build.peer_applications(w["a"], [{"K01": v} for v in (1.0, 2.0, 3.0, 4.0, 5.0)], industry="C1391")
    return w


def k01(benchmark):
    return next(line for line in benchmark.group.lines if line.kpi_id == "K01")


def test_four_peers_are_hidden_and_five_are_shown(world):
    owner = world["users"]["ent_a"]
    line = k01(selectors.application_benchmark(owner, world["a"]))
    assert line.count == 4 and line.suppressed and line.percentile is None
    assert line.value == 40.0  # its own value, always

    build.peer_applications(world["a"], [{"K01": 50.0}])  # the fifth enterprise (the maximum)
    benchmark = selectors.application_benchmark(owner, world["a"])
    line = k01(benchmark)
    assert benchmark.group.division == "C34" and benchmark.group.enterprises == 5
    assert (line.count, line.stats.q1, line.stats.median, line.stats.q3, line.percentile) == (5, 20, 30, 40, 70.0)
    assert next(x for x in benchmark.group.lines if x.kpi_id == "K07").suppressed  # only one value of K07


def test_the_city_sees_every_group_as_a_distribution_only(world, client):
    build.peer_applications(world["a"], [{"K01": 50.0}])
    groups = selectors.call_benchmark(world["users"]["city"], world["call"])
    by_division = {g.division: g for g in groups}
    assert set(by_division) == {"C13", "C34"}
    c13 = next(line for line in by_division["C13"].lines if line.kpi_id == "K01")
    assert (c13.stats.q1, c13.stats.median, c13.stats.q3) == (2, 3, 4)
    assert selectors.call_benchmark(world["users"]["ent_a"], world["call"]) is None
    assert selectors.call_benchmark(world["experts"]["e1"], world["call"]) is None

    client.force_login(world["users"]["city"])
    page = client.get(reverse("benchmark:city")).content.decode()
    assert "C34 通用设备制造业" in page and "C13 农副食品加工业" in page
    assert "样本不足5家，不予显示" in page  # K07 of C34: one enterprise
    # no individual value on the city's page: the minimum and maximum of C34 K01 are no quartile
    assert ">10<" not in page and ">50<" not in page


def test_the_figures_come_from_one_query_whatever_the_number_of_applications(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        entries = selectors.call_entries(world["call"])
    assert len(entries) == 9


def test_a_lower_is_better_kpi_is_ranked_the_other_way(world, monkeypatch):
    build.peer_applications(world["a"], [{"K01": 50.0}])
    real = selectors.call_policy_for(world["call"])
    kpi_map = {**real.kpi_map, "K01": {**real.kpi_map["K01"], "direction": "lower"}}
    monkeypatch.setattr(selectors, "call_policy_for",
                        lambda call: types.SimpleNamespace(kpi_map=kpi_map, find_tier=real.find_tier))
    line = k01(selectors.application_benchmark(world["users"]["ent_a"], world["a"]))
    assert line.direction == "lower" and line.percentile == 30.0


# --- who sees whose values -----------------------------------------------------------------------------

def test_an_enterprise_sees_its_own_value_and_never_anothers(world, client):
    build.peer_applications(world["a"], [{"K01": 50.0}])
    client.force_login(world["users"]["ent_a"])
    page = client.get(reverse("benchmark:mine")).content.decode()
    assert '<td class="num">40</td>' in page and '<td class="num">70</td>' in page  # its value and percentile
    assert '<td class="num">30</td>' in page  # the group's median
    assert "样本不足5家，不予显示" in page  # K07: alone in its group
    assert ">10<" not in page and ">50<" not in page  # the peers' extremes are nobody's business
    assert client.get(reverse("benchmark:application", args=[world["b"].pk])).status_code == 404
    assert selectors.application_benchmark(world["users"]["ent_a"], world["b"]) is None
    assert client.get(reverse("benchmark:city")).status_code == 403


def test_only_assigned_experts_see_the_comparison(world, client):
    e1, e2 = world["experts"]["e1"], world["experts"]["e2"]
    expert_services.assign_experts(application=world["a"], user=world["users"]["city"], experts=[e1])
    assert selectors.application_benchmark(e1, world["a"]) is not None
    assert selectors.application_benchmark(e2, world["a"]) is None
    client.force_login(e2)
    assert client.get(reverse("benchmark:application", args=[world["a"].pk])).status_code == 404
    client.force_login(e1)
    assert client.get(reverse("benchmark:application", args=[world["a"].pk])).status_code == 200

    tag = Template("{% load benchmark_tags %}{% peer_comparison application outcomes_only=True %}")
    request = RequestFactory().get("/")
    request.user = e2
    assert "同行业对比" not in tag.render(Context({"request": request, "application": world["a"]}))
    request.user = e1
    # 基础级 states no 建设成效 for experts to judge (only a third-party transcription): nothing on its screen
    assert "同行业对比" not in tag.render(Context({"request": request, "application": world["a"]}))


def test_experts_scoring_an_advanced_application_see_its_peers_beside_the_outcome_finding(world, client):
    for application in [world["a"], world["b"], *world["peers"]]:
        type(application).objects.filter(pk=application.pk).update(tier="advanced")
    build.peer_applications(world["a"], [{"K01": 50.0}], tier="advanced")
    e1 = world["experts"]["e1"]
    assignment, = expert_services.assign_experts(application=world["a"], user=world["users"]["city"], experts=[e1])
    client.force_login(e1)
    page = client.get(reverse("experts:score", args=[assignment.pk])).content.decode()
    card = page[page.index('id="peer-comparison"'):]
    card = card[:card.index("</section>")]
    assert "建设成效-先进级" in card and "主要技术经济指标应处于省(区、市)同行业领先水平" in card
    assert "C34 通用设备制造业" in card and "先进级" in card
    assert '<td class="num">40</td>' in card and '<td class="num">70</td>' in card
