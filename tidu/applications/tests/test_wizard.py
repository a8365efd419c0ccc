"""The section pages: generic rendering, save (PRG), autosave, conflicts, invalid input kept as typed."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from tidu.applications import services
from tidu.applications.forms import parse_section
from tidu.applications.sections import SECTION_KEYS, SECTIONS_BY_KEY
from tidu.applications.testing import fill_complete_application
from tidu.applications.tests.conftest import login

pytestmark = pytest.mark.django_db


def section_url(application, key):
    return reverse("applications:section", args=[application.pk, key])


def autosave_url(application, key):
    return reverse("applications:autosave", args=[application.pk, key])


def stored(application, key):
    return application.sections.get(key=key)


def post_data(application, key, **fields):
    return {"base_revision": str(stored(application, key).revision), **fields}


# --- rendering ----------------------------------------------------------------------------------------

def test_every_section_renders_with_all_tabs_and_hidden_revision(client, users, app_a):
    login(client, users["a"])
    for key in SECTION_KEYS:
        response = client.get(section_url(app_a, key))
        assert response.status_code == 200, key
        page = response.content.decode()
        for title in ("基本信息", "申报条件", "成熟度自评估", "建设范围与项目概况", "场景建设",
                      "关键技术装备与工业软件清单", "关键绩效指标", "组织机制与人才", "真实性承诺"):
            assert title in page
        assert 'name="base_revision" id="base-revision" value="0"' in page
        assert f'hx-post="{autosave_url(app_a, key)}"' in page
        assert 'hx-trigger="change, keyup changed delay:2s"' in page


def test_a_draft_after_the_window_closed_is_told_it_is_too_late(client, users, app_a, frozen_now):
    frozen_now(dt.datetime(2026, 3, 16, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    login(client, users["a"])
    page = client.get(section_url(app_a, "basic")).content.decode()
    panel = page[page.index('id="eligibility-panel"'):]
    assert "晚于申报截止时间" in panel


def test_fresh_draft_panel_shows_missing_never_fail(client, users, app_a, frozen_now):
    # Inside the call window: a draft is judged as if submitted now, so the timing clause passes.
    login(client, users["a"])
    page = client.get(section_url(app_a, "basic")).content.decode()
    panel = page[page.index('id="eligibility-panel"'):]
    assert "待填写" in panel
    assert "result-missing" in panel
    assert "不符合" not in panel.replace("不符合申报条件", "")  # no finding is a failure
    assert "result-fail" not in panel
    assert "信息不完整" in panel
    # the engine agrees: every unanswered question is "missing"
    verdict = services.application_verdict(app_a)
    assert {str(f.result) for f in verdict.findings} <= {"missing", "pass", "review"}
    assert not any(str(f.result) == "fail" for f in verdict.findings)


def test_tabs_show_complete_missing_and_error_counts(client, users, app_a):
    login(client, users["a"])
    client.post(section_url(app_a, "organisation"),
                post_data(app_a, "organisation", has_mechanism="yes", description="有", talent_count="x"))
    page = client.get(section_url(app_a, "basic")).content.decode()
    stepper = page[page.index('id="stepper"'):page.index("</nav>", page.index('id="stepper"'))]
    assert "1 项有误" in stepper  # talent_count
    assert "项待填" in stepper
    assert "✓ 已完成" not in stepper  # a blank application: not even the KPI step (at least one KPI is needed)
    fill_complete_application(app_a, users["a"])
    page = client.get(section_url(app_a, "basic")).content.decode()
    stepper = page[page.index('id="stepper"'):page.index("</nav>", page.index('id="stepper"'))]
    assert stepper.count("✓ 已完成") == 9


def test_field_kinds_render_generically(client, users, app_a):
    login(client, users["a"])
    page = client.get(section_url(app_a, "basic")).content.decode()
    assert 'name="name"' not in page and 'value="天门市华楚精密机械有限公司"' in page  # read-only, from the registry
    assert 'type="radio" name="above_designated_size" value="yes"' in page
    assert '<select id="id_legal_status" name="legal_status"' in page
    assert 'inputmode="decimal"' in page  # numbers stay text so that "abc" is never silently dropped
    assert 'data-maxlength="2000"' in page and "/ 2000 字" in page  # live character count
    page = client.get(section_url(app_a, "maturity")).content.decode()
    assert 'type="date" id="id_report_date"' in page
    page = client.get(section_url(app_a, "attestation")).content.decode()
    assert 'type="checkbox" id="id_confirmed" name="confirmed" value="yes"' in page


def test_rows_offer_three_blank_rows_and_a_template_and_gates(client, users, app_a):
    login(client, users["a"])
    page = client.get(section_url(app_a, "conditions")).content.decode()
    for n in range(3):
        assert f'name="accidents-{n}-date"' in page
    assert 'name="accidents-3-date"' not in page
    assert "accidents-__prefix__-date" in page and "<template data-row-template>" in page
    assert re.search(r'data-rows="accidents" data-gate-target="has_accidents" hidden', page)
    client.post(section_url(app_a, "conditions"), post_data(app_a, "conditions", has_accidents="yes"))
    page = client.get(section_url(app_a, "conditions")).content.decode()
    assert re.search(r'data-rows="accidents" data-gate-target="has_accidents">', page)  # shown when 有
    assert "请至少填写一行" in page


def test_scenario_select_grouped_by_domain_and_link_with_gist(client, users, app_a):
    login(client, users["a"])
    client.post(section_url(app_a, "scenarios"),
                post_data(app_a, "scenarios", **{"scenarios-0-id": "SC24", "scenarios-0-description": "视觉检测",
                                                  "scenarios-0-uses_ai": "yes"}))
    page = client.get(section_url(app_a, "scenarios")).content.decode()
    assert '<optgroup label="生产作业 · ' in page
    assert '<optgroup label="工厂建设 · 工厂建设">' in page
    assert '<option value="SC24" data-gist="' in page and 'selected>SC24 ' in page
    gist = services.call_policy_for(app_a.call).scenario_map["SC24"]["gist"]
    assert f'<div class="gist muted small" id="gist-scenarios-0-id">{gist}</div>' in page
    # evidence upload per selected scenario
    assert 'id="evidence-SC24"' in page


def test_kpi_section_shows_computed_values_server_side(client, users, app_a):
    login(client, users["a"])
    client.post(section_url(app_a, "kpis"),
                post_data(app_a, "kpis", **{"kpi-K01-part": "46", "kpi-K01-whole": "58", "kpi-K09-before": "2.4",
                                             "kpi-K09-after": "1.1", "kpi-K02-part": "5", "kpi-K02-whole": "4"}))
    assert stored(app_a, "kpis").data == {"K01": {"part": "46", "whole": "58"}, "K02": {"part": "5", "whole": "4"},
                                          "K09": {"before": "2.4", "after": "1.1"}}
    page = client.get(section_url(app_a, "kpis")).content.decode()
    assert "能力提升类指标" in page and "价值效益类指标" in page
    assert re.search(r'id="kpi-value-K01"[^>]*>79.31%</output>', page)
    assert re.search(r'id="kpi-value-K09"[^>]*>54.17%</output>', page)
    assert re.search(r'id="kpi-value-K02"[^>]*>无法计算</output>', page)
    assert "不能大于" in page  # the part > whole problem, next to the input
    assert 'value="46"' in page


# --- saving ---------------------------------------------------------------------------------------------

def test_save_is_post_redirect_get_with_time_message(client, users, app_a):
    login(client, users["a"])
    data = post_data(app_a, "organisation", has_mechanism="yes", description="成立智能制造推进办公室", talent_count="14")
    response = client.post(section_url(app_a, "organisation"), data)
    assert response.status_code == 302 and response["Location"] == section_url(app_a, "organisation")
    page = client.get(response["Location"]).content.decode()
    assert re.search(r"已保存 \d\d:\d\d:\d\d", page)
    row = stored(app_a, "organisation")
    assert row.revision == 1
    assert row.data == {"has_mechanism": "yes", "description": "成立智能制造推进办公室", "talent_count": "14"}
    assert 'value="1"' in page


def test_save_and_continue_goes_to_the_next_section(client, users, app_a):
    login(client, users["a"])
    response = client.post(section_url(app_a, "basic"), {**post_data(app_a, "basic"), "go": "next"})
    assert response["Location"] == section_url(app_a, "conditions")


def test_save_and_continue_with_errors_stays_with_a_summary_linking_each_field(client, users, app_a):
    login(client, users["a"])
    response = client.post(section_url(app_a, "basic"), {**post_data(app_a, "basic", contact_phone="12",
                                                                      main_business_revenue_10k_yuan="abc"),
                                                         "go": "next"})
    assert response.status_code == 302
    assert response["Location"] == section_url(app_a, "basic") + "?check=1#error-summary"  # not the next part
    assert stored(app_a, "basic").data["contact_phone"] == "12"  # saved as typed, nothing lost
    page = client.get(response["Location"]).content.decode()
    summary = re.search(r'<div class="error-summary.*?</div>', page, re.S).group(0)
    assert "有 2 处需要修改" in summary
    assert 'href="#id_contact_phone"' in summary and "请填写有效的手机号或固定电话" in summary
    assert 'href="#id_main_business_revenue_10k_yuan"' in summary and "“abc”不是数字" in summary
    assert 'id="id_contact_phone"' in page
    # Without errors it goes on, and a plain visit shows no summary.
    assert "error-summary" not in client.get(section_url(app_a, "basic")).content.decode()


def test_invalid_input_is_stored_as_typed_and_shown_with_chinese_errors(client, users, app_a):
    login(client, users["a"])
    long_text = "字" * 3001
    client.post(section_url(app_a, "basic"), post_data(app_a, "basic", main_business_revenue_10k_yuan="abc",
                                                        contact_phone="12"))
    client.post(section_url(app_a, "scenarios"),
                post_data(app_a, "scenarios", **{"scenarios-0-id": "SC27", "scenarios-0-description": long_text,
                                                  "scenarios-0-uses_ai": "no"}))
    client.post(section_url(app_a, "maturity"), post_data(app_a, "maturity", report_date="2025-13-45", level="2"))
    assert stored(app_a, "basic").data["main_business_revenue_10k_yuan"] == "abc"
    assert stored(app_a, "scenarios").data["scenarios"][0]["description"] == long_text
    assert stored(app_a, "maturity").data["report_date"] == "2025-13-45"

    page = client.get(section_url(app_a, "basic")).content.decode()
    assert 'value="abc"' in page and "“abc”不是数字" in page
    assert "请填写有效的手机号或固定电话" in page
    page = client.get(section_url(app_a, "scenarios")).content.decode()
    assert long_text in page and "不能超过 3000 字（现有 3001 字）" in page
    assert 'class="char-count over"' in page
    page = client.get(section_url(app_a, "maturity")).content.decode()
    # an invalid date stays visible: a date picker would blank it, so it is rendered as text
    assert 'type="text" id="id_report_date" name="report_date" value="2025-13-45"' in page
    assert "“2025-13-45”不是有效日期" in page
    # … and the engine calls the unanswered questions missing, not failed
    verdict = services.application_verdict(app_a)
    assert str(verdict.finding("申报条件3").result) == "missing"


def test_an_unknown_stored_choice_is_kept_and_shown(client, users, app_a):
    services.application_section_save(application=app_a, key="scope", data={"scope": "集团级"}, base_revision=0,
                                      user=users["a"])
    login(client, users["a"])
    page = client.get(section_url(app_a, "scope")).content.decode()
    assert '<option value="集团级" selected>集团级（无效）</option>' in page
    assert "请从选项中选择" in page


def test_rows_are_parsed_in_order_and_trailing_blank_rows_dropped(app_a, users):
    section = SECTIONS_BY_KEY["equipment"]
    post = {"equipment-1-name": "MES", "equipment-1-category": "工业软件", "equipment-0-name": "加工中心",
            "equipment-2-name": "", "equipment-10-name": "", "other": "x", "equipment-0-evil": "x"}
    data = parse_section(section, post)
    assert [row["name"] for row in data["equipment"]] == ["加工中心", "MES"]
    assert set(data["equipment"][0]) == {"name", "category", "model", "vendor", "origin", "secure_controllable"}


def test_stale_revision_is_a_conflict_that_saves_nothing_and_keeps_the_typed_values(client, users, app_a):
    login(client, users["a"])
    client.post(section_url(app_a, "organisation"),
                post_data(app_a, "organisation", has_mechanism="yes", description="另一窗口写的", talent_count="9"))
    before = stored(app_a, "organisation")
    response = client.post(section_url(app_a, "organisation"),
                           {"base_revision": "0", "has_mechanism": "no", "description": "我刚写的", "talent_count": "3"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "在其他窗口保存过" in page and "本次内容未保存" in page
    assert "我刚写的" in page  # the typed values are still in the form …
    assert "另一窗口写的" in page  # … with the latest saved values alongside
    assert f'name="base_revision" id="base-revision" value="{before.revision}"' in page
    assert f'href="{section_url(app_a, "organisation")}"' in page  # reload the latest instead
    after = stored(app_a, "organisation")
    assert (after.revision, after.data) == (before.revision, before.data)


def test_repeated_identical_save_after_a_race_is_not_a_conflict(client, users, app_a):
    login(client, users["a"])
    fields = {"has_mechanism": "yes", "description": "同样的内容", "talent_count": "5"}
    client.post(autosave_url(app_a, "organisation"), {"base_revision": "0", **fields})
    response = client.post(section_url(app_a, "organisation"), {"base_revision": "0", **fields})
    assert response.status_code == 302
    assert stored(app_a, "organisation").revision == 1


# --- autosave -------------------------------------------------------------------------------------------

def test_autosave_saves_bumps_revision_and_answers_with_oob_fragments(client, users, app_a):
    login(client, users["a"])
    response = client.post(autosave_url(app_a, "organisation"),
                           {"base_revision": "0", "has_mechanism": "yes", "description": "", "talent_count": "abc"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert re.search(r"已自动保存 \d\d:\d\d:\d\d", fragment)
    assert '<input type="hidden" name="base_revision" id="base-revision" value="1" hx-swap-oob="true">' in fragment
    assert 'id="eligibility-panel"' in fragment and 'hx-swap-oob="true"' in fragment
    assert 'id="stepper"' in fragment
    assert re.search(r'id="msg-talent_count" hx-swap-oob="true">“abc”不是数字', fragment)
    assert "<html" not in fragment and response.status_code != 302
    row = stored(app_a, "organisation")
    assert row.revision == 1 and row.data["talent_count"] == "abc"


def test_autosave_conflict_keeps_stored_data_and_does_not_advance_revision(client, users, app_a):
    login(client, users["a"])
    client.post(autosave_url(app_a, "basic"), post_data(app_a, "basic", competitiveness="第一个窗口"))
    before = stored(app_a, "basic")
    response = client.post(autosave_url(app_a, "basic"), {"base_revision": "0", "competitiveness": "第二个窗口"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    fragment = response.content.decode()
    assert "在其他窗口保存过" in fragment
    assert "base-revision" not in fragment  # the form keeps its old revision: the next autosave cannot overwrite
    assert section_url(app_a, "basic") in fragment
    after = stored(app_a, "basic")
    assert (after.revision, after.data) == (before.revision, before.data)
    assert after.data["competitiveness"] == "第一个窗口"


def test_autosave_kpis_updates_the_computed_values_live(client, users, app_a):
    login(client, users["a"])
    response = client.post(autosave_url(app_a, "kpis"),
                           {"base_revision": "0", "kpi-K01-part": "3", "kpi-K01-whole": "4"})
    fragment = response.content.decode()
    assert re.search(r'id="kpi-value-K01"[^>]*hx-swap-oob="true">75.00%</output>', fragment)


def test_autosave_never_redirects_and_refuses_non_editable_sections(client, users, submitted_a):
    login(client, users["a"])
    response = client.post(autosave_url(submitted_a, "basic"), post_data(submitted_a, "basic", name="x"))
    assert response.status_code == 400
    assert "不能修改" in response.content.decode()


def test_submitted_application_sections_are_read_only(client, users, submitted_a):
    login(client, users["a"])
    for key in SECTION_KEYS:
        page = client.get(section_url(submitted_a, key)).content.decode()
        assert "hx-post" not in page, key
        assert ">保存</button>" not in page, key
        assert " disabled" in page, key
        assert "内容只读" in page
    page = client.get(section_url(submitted_a, "maturity")).content.decode()
    assert "自评估报告.pdf" in page and 'action="/applications/' not in page.split('id="evidence"')[1]


# --- verdict JSON --------------------------------------------------------------------------------------

def test_verdict_json_for_current_data(client, users, app_a, frozen_now):
    login(client, users["a"])
    data = client.get(reverse("applications:verdict_json", args=[app_a.pk])).json()
    assert data["outcome"] == "incomplete" and data["outcome_label"] == "信息不完整"
    assert data["application"] == app_a.pk
    assert {f["result"] for f in data["findings"]} <= {"missing", "pass", "review"}
    fill_complete_application(app_a, users["a"])
    response = client.get(reverse("applications:verdict_json", args=[app_a.pk]))
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    timing = next(f for f in data["findings"] if f["clause"] == "申报时间")
    assert timing["result"] == "pass"  # a draft is judged as if submitted now, inside the window
    assert all(f["result"] == "pass" for f in data["findings"])
    assert data["outcome"] == "eligible"


def test_home_lists_applications_open_calls_and_deadlines(client, users, app_a, frozen_now):
    login(client, users["a"])
    page = client.get(reverse("applications:home")).content.decode()
    assert "天门市2026年度基础级智能工厂申报" in page
    assert "草稿" in page and "继续填写" in page
    assert "企业申报截止" in page and "2026年3月15日" in page and "还剩 5 天" in page
    assert "乡镇推荐截止" in page and "已截止" in page  # 1 March is behind us on 10 March
    assert "已创建申报书" in page


def test_home_start_creates_a_draft_and_opens_the_wizard(client, users, call, enterprises, frozen_now):
    login(client, users["c"])  # not yet confirmed: may draft
    page = client.get(reverse("applications:home")).content.decode()
    assert "待乡镇确认" in page and "开始填写基础级申报书" in page
    response = client.post(reverse("applications:start"), {"call": call.code})
    application = enterprises["c"].applications.get()
    assert response["Location"] == section_url(application, "basic")
    assert application.status == "draft"
    # starting again returns the same draft
    client.post(reverse("applications:start"), {"call": call.code})
    assert enterprises["c"].applications.count() == 1


def test_home_offers_no_start_after_the_window_closed(client, users, call):
    login(client, users["a"])  # the real clock: the 2026 call is over
    page = client.get(reverse("applications:home")).content.decode()
    if "已截止" in page:
        assert "开始填写基础级申报书" not in page


def test_home_follows_the_demo_clock(client, users, app_c, settings):
    settings.TIDU_NOW = "2026-03-14T09:00:00+08:00"
    login(client, users["a"])
    page = client.get(reverse("applications:home")).content.decode()
    assert "还剩 1 天" in page and "开始填写基础级申报书" in page


@pytest.mark.parametrize(("key", "data", "place"), [
    ("organisation", {"has_mechanism": "yes", "description": "设立智能制造\x00推进办公室", "talent_count": "12"},
     "“组织机制说明”"),
    ("equipment", {"equipment": [{"name": "五轴加工中心", "category": "装备"},
                                 {"name": "MES\x0b系统", "category": "工业软件"}]},
     "“清单”第 2 行的“名称”"),
])
def test_control_characters_are_refused_with_the_field_named_and_nothing_saved(app_a, users, key, data, place):
    """A NUL could not be stored in PostgreSQL (the save answered 500); other controls break exports later."""
    section = app_a.sections.get(key=key)
    before = (section.revision, section.data)
    with pytest.raises(services.ApplicationError) as refused:
        services.application_section_save(application=app_a, key=key, data=data, base_revision=section.revision,
                                          user=users["a"])
    assert "不可见的控制字符" in refused.value.message and refused.value.details == [place]
    section.refresh_from_db()
    assert (section.revision, section.data) == before


def test_the_wizard_page_names_the_field_and_keeps_what_was_typed(client, app_a, users):
    login(client, users["a"])
    section = app_a.sections.get(key="organisation")
    response = client.post(reverse("applications:section", args=[app_a.pk, "organisation"]),
                           {"has_mechanism": "yes", "description": "设立智能制造\x00推进办公室", "talent_count": "12",
                            "base_revision": section.revision})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "不可见的控制字符" in page and "组织机制说明" in page and "推进办公室" in page
