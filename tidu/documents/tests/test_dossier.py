"""The dossier model: built once from an application, mirroring the 申报书; every renderer reads it."""

import json

import pytest

from tidu.documents.dossier import SUMMARY_COLUMNS, build_dossier
from tidu.documents.sample import sample_dossier
from tidu.documents.tests.conftest import save_section, submit
from tidu.documents.verification import verification_code

pytestmark = pytest.mark.django_db

EXAMPLE_SCENARIO = "阀体关键尺寸在线视觉检测，自动剔除不合格品。"


def test_sections_mirror_the_application_form(submitted_a):
    dossier = build_dossier(submitted_a)
    assert [s.title for s in dossier.sections] == [
        "一、申报单位基本信息", "二、申报条件符合情况", "三、智能制造能力成熟度自评估", "四、智能工厂建设范围与项目概况",
        "五、场景建设情况", "六、关键技术装备与工业软件清单", "七、关键绩效指标", "八、组织机制与人才", "九、真实性承诺"]
    basic = {item.label: item.value for item in dossier.basic}
    assert basic["企业名称"] == "天门市华楚精密机械有限公司"
    assert basic["统一社会信用代码"] == "91429006MA49ABCD1X"
    assert basic["所属乡镇（办事处、农场、开发区）"] == "竟陵街道办事处"
    assert basic["法人类型"] == "独立法人"
    assert basic["所属行业（GB/T 4754-2017 代码）"].startswith("C3484（制造业")


def test_cover_facts_of_a_submitted_application(submitted_a):
    dossier = build_dossier(submitted_a)
    submission = submitted_a.submissions.get()
    cover = dossier.cover
    assert dossier.submitted
    assert cover.title == "基础级智能工厂申报书"
    assert cover.project_name == "机加车间智能化改造项目"
    assert cover.unit_name == "竟陵街道办事处"
    assert cover.submission_date == "2026年3月10日"
    assert cover.receipt_number == submission.number
    assert cover.verification_code == verification_code(submitted_a.pk, submission.content_sha256)
    assert len(cover.verification_code) == 10


def test_each_condition_has_declaration_finding_and_clause_text(submitted_a):
    dossier = build_dossier(submitted_a)
    clauses = [c.clause for c in dossier.conditions]
    assert clauses == [f"申报条件{n}" for n in range(1, 10)] + ["申报时间"]
    first = dossier.conditions[0]
    assert "天门市" in first.clause_text and "登记注册地：湖北省天门市" in first.declaration
    assert first.result == "pass" and first.result_label == "符合" and first.finding
    assert dossier.outcome_label == "符合申报条件"


def test_scenarios_grouped_by_domain_with_ai_flag(submitted_a):
    dossier = build_dossier(submitted_a)
    groups = {g.domain_name: g for g in dossier.scenario_groups}
    assert list(groups) == ["生产管理", "生产作业"] or list(groups) == ["生产作业", "生产管理"]
    production = groups["生产作业"]
    assert production.title.startswith("（") and set(production.links) == {"质量管控", "设备管理"}
    inspection = next(s for s in production.scenarios if s.id == "SC24")
    assert inspection.description == EXAMPLE_SCENARIO and inspection.uses_ai and inspection.link_name == "质量管控"
    assert dossier.scenario_count == 3 and dossier.ai_scenario_count == 1


def test_kpis_show_inputs_and_computed_result(submitted_a):
    dossier = build_dossier(submitted_a)
    k01 = next(k for k in dossier.kpis if k.kpi_id == "K01")
    assert k01.result == "79.31%" and k01.value == 79.31
    assert "数控化关键设备数 46 台（套）" in k01.basis and "关键设备总数 58" in k01.basis


def test_summary_row_has_the_columns_of_the_summary_table(submitted_a):
    row = build_dossier(submitted_a).summary_row.numbered(3)
    values = dict(zip([h for _, h, _ in SUMMARY_COLUMNS], row.values(), strict=True))
    assert values["序号"] == 3
    assert values["企业名称"] == "天门市华楚精密机械有限公司"
    assert values["统一社会信用代码"] == "91429006MA49ABCD1X"
    assert values["申报等级"] == "基础级"
    assert values["成熟度等级"] == "二级（规范级）" and values["成熟度得分"] == 2.15
    assert values["场景数"] == 3 and values["AI场景数"] == 1
    assert "生产作业（" in values["覆盖环节"]
    assert values["联系人"] and values["联系电话"] == "13872800001"


def test_evidence_index_lists_uploads(submitted_a):
    dossier = build_dossier(submitted_a)
    [entry] = dossier.evidence
    assert entry.number == 1 and entry.topic == "自评估报告" and entry.kind == "pdf" and entry.pages == 1
    assert entry.section_title == "智能制造能力成熟度自评估" and len(entry.sha256) == 64 and entry.mergeable


def test_a_draft_is_marked_and_has_no_code(draft_a):
    dossier = build_dossier(draft_a)
    assert not dossier.submitted
    assert dossier.cover.verification_code == "" and dossier.cover.receipt_number == ""
    assert "草稿" in dossier.cover.status_note


def test_the_model_is_json_and_its_fingerprint_follows_content(submitted_a, users):
    first = build_dossier(submitted_a)
    again = build_dossier(submitted_a)
    json.loads(first.canonical_json())
    assert first.fingerprint("x") == again.fingerprint("x")
    assert first.fingerprint("x") != first.fingerprint("y")
    submitted_a.status = "returned"
    submitted_a.returned_sections = {"scope": "请补充"}
    submitted_a.save()
    section = submitted_a.sections.get(key="scope")
    save_section(submitted_a, "scope", {**section.data, "summary": "补充后的项目概况。"}, users["a"])
    changed = build_dossier(submitted_a)
    assert changed.fingerprint("x") != first.fingerprint("x")
    assert changed.project_summary == "补充后的项目概况。"
    assert not changed.submitted and "尚未重新提交" in changed.cover.status_note
    submit(submitted_a, users["a"])
    assert build_dossier(submitted_a).submitted


def test_sample_dossier_needs_no_database(policy):
    dossier = sample_dossier(policy)
    assert len(dossier.kpis) == 20 and dossier.scenario_count == 6
    assert dossier.outcome_label == "符合申报条件"
