"""Each evidence slot says whether it is required or optional, as the call pack states (not Python wording)."""

import re

import pytest
from django.urls import reverse

from tidu.applications import services
from tidu.applications.tests.conftest import login
from tidu.policy.selectors import call_policy_for

pytestmark = pytest.mark.django_db


def slot_heading(page, topic):
    match = re.search(rf'id="evidence-{re.escape(topic)}">\s*<h3>(.*?)</h3>', page, re.S)
    assert match, topic
    return match.group(1)


def test_conditions_page_marks_every_slot_as_the_pack_states(client, users, app_a):
    login(client, users["a"])
    policy = call_policy_for(app_a.call)
    stated = policy.evidence_requirements
    assert stated and all(f"申报条件{n}" in stated for n in range(1, 10))
    page = client.get(reverse("applications:section", args=[app_a.pk, "conditions"])).content.decode()
    for n in range(1, 10):
        topic = f"申报条件{n}"
        heading = slot_heading(page, topic)
        expected = "必需" if stated[topic]["required"] else "可选"
        assert expected in heading, topic
        assert stated[topic]["basis"] in page


def test_self_assessment_report_is_required_and_missing_until_uploaded(client, users, app_a):
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[app_a.pk, "maturity"])).content.decode()
    assert "必需" in slot_heading(page, "maturity_report")
    progress = {item.key: item for item in services.application_progress(app_a, user=users["a"])}
    assert progress["maturity"].evidence_missing == ["自评估报告"]
    assert progress["conditions"].evidence_missing == []  # optional slots never block


def test_a_pack_that_marks_a_slot_required_makes_it_missing(users, app_a, monkeypatch):
    policy = call_policy_for(app_a.call)
    stated = {**policy.evidence_requirements, "申报条件3": {"required": True, "basis": "测试"}}
    monkeypatch.setattr(type(policy), "evidence_requirements", property(lambda self: stated))
    progress = {item.key: item for item in services.application_progress(app_a, policy, users["a"])}
    assert progress["conditions"].evidence_missing == ["申报条件3"]
