"""A second call in the repository, as example data: a 先进级 call of another city (tidu/policy/examples/), built
only from facts of the reference notes, loaded by ``load_policy`` beside the seed's packs; the enterprise →
township → city journey works on it with no Python change."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications import services as application_services
from tidu.applications.workflow import State
from tidu.core.timezones import BEIJING
from tidu.policy.loader import DEFAULT_PACKS_DIR, load_pack_file
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review.formal import formal_checklist

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "call-qingdao-2026-advanced"
IN_WINDOW = dt.datetime(2026, 2, 10, 10, 0, tzinfo=BEIJING)


def test_the_example_call_is_marked_and_every_condition_is_sourced():
    pack = load_pack_file(EXAMPLE / "2026.1.yaml")
    assert "示例数据" in pack.content["example"]["note"] and pack.content["tier"] == "advanced"
    for condition in pack.content["conditions"]:
        assert condition["source"] and condition["grade"]
        assert "source" in condition["rule"] or condition["grade"] == "D"
    # No threshold the sources do not state: the only figures are the 先进级 coverage and CMMM ≥ 2 (B).
    kinds = [c["rule"]["kind"] for c in pack.content["conditions"]]
    assert "threshold" not in kinds and "prerequisite_tier" in kinds


@pytest.fixture
def second_call(tmp_path, settings):
    packs = tmp_path / "packs"
    shutil.copytree(DEFAULT_PACKS_DIR, packs)
    shutil.copytree(EXAMPLE, packs / EXAMPLE.name)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = IN_WINDOW.isoformat()
    call_command("load_policy", "--dir", str(packs), verbosity=0, stdout=io.StringIO())
    return Call.objects.get(code="qingdao-2026-advanced")


def test_enterprise_township_city_journey_on_the_second_call(second_call):
    policy = call_policy_for(second_call)
    assert second_call.region == "山东省青岛市" and policy.call_tier["id"] == "advanced"
    district = build.unit("崂山区", Organisation.Kind.SUBDISTRICT)
    build.officer(district, "town_qd")
    city = build.city_officer("city_qd")
    enterprise = build.enterprise(district, "青岛某示例装备有限公司", register=True, username="ent_qd")
    assert enterprise.registered_region == "山东省青岛市"

    application = build.application(enterprise, call=second_call, tier="advanced", filled=True)
    verdict = application_services.application_verdict(application, policy)
    clauses = [f.clause for f in verdict.findings]
    assert clauses[:6] == [f"申报条件{n}" for n in range(1, 6)] + ["申报时间"]
    assert "建设成效-先进级" in clauses and not verdict.tier_met  # outcomes are the reviewers' to judge
    assert verdict.finding("申报条件1").result == "pass"
    assert verdict.finding("申报条件2").result == "review"  # 基础级 first: the officers verify it
    assert verdict.finding("申报条件3").result == "fail"  # the example covers 生产作业 only

    build.submitted(application, now=IN_WINDOW, fill=False)
    build.transition(application, "township_recommend", "township")
    build.receive(application, city)
    application.refresh_from_db()
    assert application.status == State.RECEIVED
    keys = [item.key for item in formal_checklist(application) if item.key.startswith("evidence:")]
    assert keys == ["evidence:申报条件2", "evidence:maturity_report", *(f"evidence:申报条件{n}" for n in range(1, 6))]
