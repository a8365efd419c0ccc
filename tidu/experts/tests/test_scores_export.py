"""The city's export of expert scores: per application, expert and criterion, only once the seal is off."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tidu.experts import services, testing
from tidu.experts.models import Assignment


@pytest.fixture
def assigned(passed, experts, city):
    services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e2"], experts["e3"]])
    return {a.expert.username: a for a in Assignment.objects.filter(application=passed).select_related("expert")}


def _workbook(client, call):
    response = client.get(reverse("experts:scores_export", args=[call.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    for sheet in workbook.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return workbook


def test_sealed_scores_are_not_exported_then_every_criterion_is(client, assigned, w, city):
    testing.submit_scores(assigned["e1"], testing.points_for_total(60), comments="=1+1 不是公式")
    testing.submit_scores(assigned["e2"], testing.points_for_total(90))
    client.force_login(city)
    workbook = _workbook(client, w["call"])
    assert workbook.sheetnames == ["汇总"] and workbook["汇总"].max_row == 2  # title and header only
    testing.submit_scores(assigned["e3"], testing.points_for_total(75))
    workbook = _workbook(client, w["call"])
    summary = [[c.value for c in row] for row in workbook["汇总"].iter_rows(min_row=3)]
    assert len(summary) == 1 and summary[0][2] == assigned["e1"].application.enterprise.name
    detail = workbook.worksheets[1]
    header = [c.value for c in detail[2]]
    criteria = list(assigned["e1"].rubric.criteria.all())
    assert header[3:3 + len(criteria)] == [f"{c.name}（{c.max_points:g}）" for c in criteria]
    rows = [[c.value for c in row] for row in detail.iter_rows(min_row=3)]
    assert [r[-2] for r in rows] == [60, 90, 75]  # each expert's total, in assignment order
    for row, assignment in zip(rows, (assigned["e1"], assigned["e2"], assigned["e3"]), strict=True):
        points = {s.criterion_id: s.points for s in assignment.scores.all()}
        assert row[3:3 + len(criteria)] == [float(points[c.pk]) if points[c.pk] is not None else None
                                            for c in criteria]
        assert row[2] == assignment.expert.display_name
    assert rows[0][-1] == "=1+1 不是公式"


def test_only_the_city(client, assigned, w, experts):
    for user in (experts["e1"], w["users"]["town_x"], w["users"]["ent_a"]):
        client.force_login(user)
        assert client.get(reverse("experts:scores_export", args=[w["call"].pk])).status_code in (403, 404)
