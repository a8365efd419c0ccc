"""The checklist is generated from the application's claims."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from tidu.applications.testing import EXAMPLE
from tidu.experts import services as expert_services
from tidu.experts import testing
from tidu.onsite import services
from tidu.onsite.models import CheckItem, OnsiteCheck
from tidu.policy.selectors import call_policy_for


@pytest.fixture
def reviewed(w):
    return testing.to_expert_reviewed(w, "a")


def test_checklist_has_one_item_per_scenario_kpi_and_declaration(reviewed):
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    check = OnsiteCheck.objects.get(application=reviewed)  # opened when the expert review completed
    items = list(check.items.all())
    scenarios, kpis = example["scenarios"], example["kpis"]
    # The declaration items are the ones the call's clauses declare (onsite in the call pack), in their order.
    declared = [(item["item"], item["text"]) for d in call_policy_for(reviewed.call).condition_declarations
                for item in d["onsite"]]
    assert len(items) == len(scenarios) + len(kpis) + len(declared) == 3 + 3 + 6
    by_kind = {kind: [i for i in items if i.kind == kind] for kind in CheckItem.Kind.values}
    assert [i.key for i in by_kind["scenario"]] == [s["id"] for s in scenarios]
    assert sorted(i.key for i in by_kind["kpi"]) == sorted(kpis)
    assert [i.key for i in by_kind["declaration"]] == [key for key, _ in declared] == [
        "construction_completed", "scale", "security", "organisation", "maturity", "scope"]
    assert all(i.result == "" for i in items)


def test_claims_say_what_was_claimed(reviewed):
    items = {i.key: i for i in OnsiteCheck.objects.get(application=reviewed).items.all()}
    sc24 = items["SC24"]
    assert sc24.title.startswith("SC24 ")
    assert "阀体关键尺寸在线视觉检测" in sc24.claim and "应用人工智能技术：是" in sc24.claim
    k01 = items["K01"]
    assert "46" in k01.claim and "58" in k01.claim and "计算值：79.31%" in k01.claim  # 46 / 58
    assert "规模以上工业企业：是" in items["scale"].claim and "万元" in items["scale"].claim
    assert "自评估等级：二级（规范级），得分 2.15" in items["maturity"].claim
    assert "C3ME-2025-420000-01234（2025年12月18日）" in items["maturity"].claim
    assert "申明已完成智能工厂建设：是" in items["construction_completed"].claim
    assert "智能制造专业人才：14 人" in items["organisation"].claim
    assert "建设范围：车间级" in items["scope"].claim and "机加车间智能化改造项目" in items["scope"].claim


def test_only_kpis_with_valid_values_are_listed(w, city, django_capture_on_commit_callbacks):
    from tidu.applications import services as application_services

    application = testing.to_formal_passed(w, "a")
    row = application.sections.get(key="kpis")
    # the enterprise cannot edit now: write directly to simulate a KPI left empty
    data = dict(row.data)
    data.pop("K07")
    row.data = data
    row.save()
    assignments = expert_services.assign_experts(application=application, user=city, experts=[w["experts"]["e1"]])
    testing.submit_scores(assignments[0])
    with django_capture_on_commit_callbacks(execute=True):  # the check opens when expert_complete is delivered
        expert_services.review_complete(application=application, user=city,
                                        quorum_override_reason="测试：少于三位专家")
    check = OnsiteCheck.objects.get(application=application)
    assert sorted(check.items.filter(kind="kpi").values_list("key", flat=True)) == ["K01", "K09"]
    assert check.claims_sha256 == application_services.content_hash(application)


def test_check_open_is_idempotent_and_needs_expert_reviewed(w, reviewed, city):
    check = OnsiteCheck.objects.get(application=reviewed)
    assert services.check_open(application=reviewed, user=city) == check
    passed = testing.to_formal_passed(w, "b")
    with pytest.raises(services.OnsiteError, match="专家评审完成后才能安排现场核查"):
        services.check_open(application=passed, user=city)
    with pytest.raises(PermissionDenied):
        services.check_open(application=reviewed, user=w["experts"]["e1"])
