"""The KPI step is not "✓ 已完成" while nothing is entered in it (issue 11): each KPI is optional, but at least
one must be reported before the step counts as done."""

import pytest
from django.urls import reverse

from tidu.applications.sections import SECTIONS_BY_KEY, clean_section
from tidu.applications.tests.conftest import login
from tidu.policy.selectors import call_policy_for

pytestmark = pytest.mark.django_db


def test_a_blank_kpi_step_is_not_complete_and_one_kpi_makes_it_complete(app_a):
    policy = call_policy_for(app_a.call)
    blank = clean_section(SECTIONS_BY_KEY["kpis"], {}, policy)
    assert not blank.complete and blank.missing == ["kpis"]
    kpi_id, kpi = next(iter(policy.kpi_map.items()))
    one = {kpi_id: {spec["key"]: "10" for spec in kpi["inputs"]}}
    filled = clean_section(SECTIONS_BY_KEY["kpis"], one, policy)
    assert filled.complete and kpi_id in filled.values


def test_the_stepper_of_a_blank_application_does_not_show_the_kpi_step_done(client, users, app_a):
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[app_a.pk, "kpis"])).content.decode()
    step = page[page.index('<span class="step-title">关键绩效指标'):]
    step = step[:step.index("</li>")]
    assert "已完成" not in step and "1 项待填" in step
