"""A decision the bureau can defend: the panel's quorum, replacing a conflicted expert, the experts' scores and
opinions side by side, the panel opinion (专家组意见), and a criterion's scale."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.workflow import State
from tidu.core.events import deliver_pending
from tidu.experts import services, testing
from tidu.experts.models import Assignment, CriterionScore, ExpertRelation, ExpertReviewResult, PanelOpinion
from tidu.notifications.models import Notification
from tidu.testing import AuditSince


@pytest.fixture
def assigned(passed, experts, city):
    services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e2"], experts["e3"]])
    return {a.expert.username: a for a in Assignment.objects.filter(application=passed).select_related("expert")}


def _page(client, user, name, *args):
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- 1. quorum -----------------------------------------------------------------------------------------

def test_completing_below_quorum_is_refused_then_allowed_only_with_a_recorded_reason(
        client, assigned, city, experts, django_capture_on_commit_callbacks):
    application = assigned["e1"].application
    # One expert declares a conflict after assignment; the city withdraws another found to have one.
    services.conflict_declare(assignment=assigned["e2"], user=experts["e2"], reason="曾为该企业提供申报咨询")
    services.relation_declare(user=city, profile=experts["e3"].expert_profile, enterprise=application.enterprise,
                              kind=ExpertRelation.Kind.SHAREHOLDING, note="持有该企业股份")
    testing.submit_scores(assigned["e1"], comments="场景建设扎实。")
    testing.submit_scores(assigned["e3"])
    # An expert with a conflict cannot count: completion is refused until they are withdrawn.
    with pytest.raises(services.ExpertsError, match="存在利益冲突") as refused:
        services.review_complete(application=application, user=city)
    assert "赵专家" in refused.value.details[0] and "持股或投资" in refused.value.details[0]
    page = _page(client, city, "experts:review", application.pk)
    assert "存在利益冲突，应撤回并另行选派" in page and reverse("experts:withdraw", args=[assigned["e3"].pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("experts:withdraw", args=[assigned["e3"].pk]), {"reason": "持有该企业股份"}
                           ).status_code == 302
    assert Notification.objects.filter(kind="experts.withdrawn", recipient=experts["e3"]).exists()

    # One expert left: 专家评审完成 is refused with a clear message.
    response = client.post(reverse("experts:complete", args=[application.pk]), {"note": ""})
    text = response.content.decode()
    assert response.status_code == 400
    assert "专家人数不足：评分表要求每份申报由 3 位专家评审，已提交评分的只有 1 位（另有 2 位已回避）" in text
    assert 'id="quorum_override_reason"' in text
    application.refresh_from_db()
    assert application.status == State.EXPERT_REVIEW and not ExpertReviewResult.objects.exists()

    # Overridden with a reason: recorded on the result, in the audit row, and shown on the record.
    audit = AuditSince()
    reason = "库内其余专家均须回避，经局务会同意由一位专家评审"
    assert client.post(reverse("experts:complete", args=[application.pk]),
                       {"note": "", "quorum_override_reason": reason}).status_code == 302
    result = ExpertReviewResult.objects.get(application=application)
    assert (result.expert_count, result.quorum, result.quorum_override_reason) == (1, 3, reason)
    row = audit.one("expert_review")
    assert row.detail["quorum_override_reason"] == reason and row.detail["below_quorum"] is True
    assert row.detail["quorum"] == 3
    assert row.reason == f"少于法定人数完成：{reason}"  # the 操作日志's reason column names it
    deliver_pending()
    page = _page(client, city, "experts:review", application.pk)
    assert "少于法定人数完成" in page and reason in page
    page = _page(client, city, "applications:review", application.pk)
    assert 'id="expert-panel"' in page and reason in page and "场景建设扎实。" in page


def test_a_full_panel_completes_without_a_reason(assigned, city):
    for assignment in assigned.values():
        testing.submit_scores(assignment)
    result = services.review_complete(application=assigned["e1"].application, user=city)
    assert (result.expert_count, result.quorum, result.quorum_override_reason) == (3, 3, "")


def test_the_quorum_is_the_rubrics_panel_size(passed, city, experts):
    rubric = services.rubric_ensure(passed.call, passed.tier, city)
    services.rubric_settings_update(user=city, rubric=rubric, data={"experts_per_application": 2})
    for assignment in services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e2"]]):
        testing.submit_scores(assignment)
    assert services.review_complete(application=passed, user=city).quorum == 2


# --- 2. replacing an expert ----------------------------------------------------------------------------

def test_a_full_panel_is_not_reported_short(client, assigned, city):
    page = _page(client, city, "experts:assign", assigned["e1"].application_id)
    assert "少于需要的" not in page and "只有 0 位" not in page
    assert "专家组已满 3 位" in page and 'id="below-quorum"' not in page


def test_after_a_conflict_the_city_is_offered_the_next_eligible_expert(client, assigned, city, experts,
                                                                      django_capture_on_commit_callbacks):
    application = assigned["e1"].application
    with django_capture_on_commit_callbacks(execute=True):
        services.conflict_declare(assignment=assigned["e2"], user=experts["e2"], reason="近亲属在该企业任职")
    notice = Notification.objects.get(kind="experts.conflict", recipient=city)
    assert notice.link == reverse("experts:assign", args=[application.pk])
    page = _page(client, city, "experts:review", application.pk)
    assert 'id="below-quorum"' in page and "还需补选 1 位" in page
    page = _page(client, city, "experts:assign", application.pk)
    assert "专家组少于评分表要求的 3 位：现有有效专家 2 位" in page and "请补选 1 位" in page
    # e4 (钱专家) is the one eligible left and is offered, pre-selected; e2 is excluded with the reason.
    manual = page.split('value="manual"')[1].split("</form>")[0]
    assert f'value="{experts["e4"].pk}" checked' in manual
    assert "评审时声明的利益冲突" in page.split('id="excluded"')[1]
    assert client.post(reverse("experts:assign", args=[application.pk]),
                       {"mode": "manual", "experts": [experts["e4"].pk]}).status_code == 302
    page = _page(client, city, "experts:assign", application.pk)
    assert "专家组已满 3 位" in page and "少于需要的" not in page


def test_an_expert_may_not_withdraw_a_submitted_score_but_the_city_may(assigned, city, experts):
    testing.submit_scores(assigned["e1"])
    with pytest.raises(services.ExpertsError, match="评分已提交"):
        services.conflict_declare(assignment=assigned["e1"], user=experts["e1"], reason="x")
    with pytest.raises(services.ExpertsError, match="请说明"):
        services.assignment_withdraw(assignment=assigned["e1"], user=city, reason=" ")
    services.assignment_withdraw(assignment=assigned["e1"], user=city, reason="事后发现曾任该企业顾问")
    assignment = Assignment.objects.get(pk=assigned["e1"].pk)
    assert assignment.status == Assignment.Status.WITHDRAWN
    assert CriterionScore.objects.filter(assignment=assignment).exists()  # the submitted score is kept on record
    assert assignment.events.filter(action="withdrawn", reason="事后发现曾任该企业顾问").exists()


# --- 3. opinions side by side --------------------------------------------------------------------------

def test_the_city_sees_every_score_and_opinion_side_by_side_once_the_seal_is_off(client, assigned, city):
    application = assigned["e1"].application
    testing.submit_scores(assigned["e1"], ["10", "24", "15", "8", "7", "8"], comments="甲：数据采集覆盖主要设备。")
    testing.submit_scores(assigned["e2"], ["20", "26", "16", "8", "8", "8"], comments="乙：排产场景成效明显。")
    # sealed: one expert still scoring
    for name in ("experts:review", "applications:review"):
        page = _page(client, city, name, application.pk)
        assert "甲：数据采集覆盖主要设备。" not in page
    testing.submit_scores(assigned["e3"], ["5", "22", "14", "7", "7", "7"], comments="丙：后续计划可进一步细化。")
    page = _page(client, city, "experts:review", application.pk)
    panel = page.split('id="expert-panel"')[1]
    for words in ("甲：数据采集覆盖主要设备。", "乙：排产场景成效明显。", "丙：后续计划可进一步细化。",
                  "最低", "最高", "极差"):
        assert words in panel
    # 智能制造成熟度: 10, 20, 5 → min 5, max 20, range 15; totals 72, 86, 62 → range 24
    maturity = panel.split("智能制造成熟度")[1].split("</tr>")[0]
    assert "申报书填报 自评估等级：" in maturity
    cells = [cell.split(">", 1)[1].split("<")[0] for cell in maturity.split("<td")[1:]]
    assert cells == ["20", "10", "20", "5", "5", "20", "15", "11.67"]  # max, 3 experts, min, max, range, mean
    total = panel.split('class="total-row"')[1].split("</tr>")[0]
    assert ">72<" in total and ">86<" in total and ">62<" in total and '<th class="num spread">24</th>' in total
    # the application page embeds the same panel (compact, with a link to the expert review)
    page = _page(client, city, "applications:review", application.pk)
    assert 'id="expert-panel"' in page and "乙：排产场景成效明显。" in page
    assert reverse("experts:review", args=[application.pk]) in page


def test_the_panel_is_for_the_city_only(client, assigned, w):
    for assignment in assigned.values():
        testing.submit_scores(assignment, comments="不应公开的意见")
    page = _page(client, w["users"]["town_x"], "applications:review", assigned["e1"].application_id)
    assert 'id="expert-panel"' not in page and "不应公开的意见" not in page


def test_the_onsite_page_shows_the_panel(client, w, city):
    application = testing.to_expert_reviewed(w, "a")
    check = application.onsite_checks.get()
    page = _page(client, city, "onsite:check", check.pk)
    assert 'id="expert-panel"' in page and "最低" in page


# --- 4. panel opinion ------------------------------------------------------------------------------------

def test_the_panel_leader_or_the_city_records_the_panel_opinion_until_completion(client, assigned, city, experts):
    application = assigned["e1"].application
    services.leader_set(assignment=assigned["e1"], user=city)
    assert Assignment.objects.get(pk=assigned["e1"].pk).is_leader
    testing.submit_scores(assigned["e1"])
    with pytest.raises(services.ExpertsError, match="全部专家提交评分"):  # still sealed
        services.panel_opinion_record(application=application, user=experts["e1"], text="意见")
    testing.submit_scores(assigned["e2"])
    testing.submit_scores(assigned["e3"])
    with pytest.raises(PermissionDenied):  # not the leader
        services.panel_opinion_record(application=application, user=experts["e2"], text="意见")
    # the leader writes it on their own scoring page
    page = _page(client, experts["e1"], "experts:score", assigned["e1"].pk)
    assert reverse("experts:leader_opinion", args=[assigned["e1"].pk]) in page
    response = client.post(reverse("experts:leader_opinion", args=[assigned["e1"].pk]), {"text": " "})
    assert response.status_code == 400 and "请填写专家组意见" in response.content.decode()
    audit = AuditSince()
    assert client.post(reverse("experts:leader_opinion", args=[assigned["e1"].pk]),
                       {"text": "专家组一致认为该企业达到基础级要求。"}).status_code == 302
    row = audit.one("panel_opinion")
    assert (row.actor, row.action, row.detail["before"]) == (experts["e1"], "panel_opinion.record", None)
    # a non-leader expert of the panel sees it, but has no form
    page = _page(client, experts["e2"], "experts:score", assigned["e2"].pk)
    assert "专家组一致认为该企业达到基础级要求。" in page
    assert reverse("experts:leader_opinion", args=[assigned["e2"].pk]) not in page
    # the city edits it
    audit = AuditSince()
    client.force_login(city)
    assert client.post(reverse("experts:panel_opinion", args=[application.pk]),
                       {"text": "专家组意见：同意通过专家评审。"}).status_code == 302
    assert audit.one("panel_opinion").detail == {"text": "专家组意见：同意通过专家评审。",
                                                  "before": "专家组一致认为该企业达到基础级要求。"}
    page = _page(client, city, "experts:review", application.pk)
    assert "专家组意见：同意通过专家评审。" in page.split('id="expert-panel"')[1]
    # completion freezes it and keeps it with the result
    result = services.review_complete(application=application, user=city)
    assert result.panel_opinion == "专家组意见：同意通过专家评审。"
    with pytest.raises(services.ExpertsError, match="不能再修改"):
        services.panel_opinion_record(application=application, user=city, text="改")
    assert PanelOpinion.objects.get(application=application).text == "专家组意见：同意通过专家评审。"
    page = _page(client, city, "experts:review", application.pk)
    assert reverse("experts:panel_opinion", args=[application.pk]) not in page
    assert "专家评审已完成，不能再修改" in page


def test_only_one_leader(assigned, city):
    services.leader_set(assignment=assigned["e1"], user=city)
    audit = AuditSince()
    services.leader_set(assignment=assigned["e2"], user=city)
    assert [a.expert.username for a in Assignment.objects.filter(is_leader=True)] == ["e2"]
    assert audit.one("assignment").detail == {"leader": "e2", "previous": ["e1"]}


# --- 5. a criterion's scale ---------------------------------------------------------------------------

def test_the_maturity_item_is_scored_by_level(client, assigned, experts):
    rubric = assigned["e1"].rubric
    maturity = rubric.criteria.get(name="智能制造成熟度")
    assert maturity.allowed_points == "0,5,10,20"  # from its 评分要点: 一级 0，二级 5，三级 10，四级 20
    client.force_login(experts["e1"])
    page = client.get(reverse("experts:score", args=[assigned["e1"].pk])).content.decode()
    assert "按档给分：只能填 0、5、10、20 分" in page
    # beside it, the level the application itself declares (the expert judges it from the assessment report)
    level = assigned["e1"].application.sections.get(key="maturity").data["level"]
    assert f"申报书填报 自评估等级：{dict(SECTIONS_BY_KEY['maturity'].field('level').choices)[level]}" in page
    url = reverse("experts:score", args=[assigned["e1"].pk])
    response = client.post(url, {f"c-{maturity.pk}": "15", "comments": "", "action": "save"})
    assert response.status_code == 400
    assert "“智能制造成熟度”本项按档给分，只能填 0、5、10、20 分（填写了 15）" in response.content.decode()
    assert not CriterionScore.objects.filter(assignment=assigned["e1"]).exists()
    with pytest.raises(services.ScoreInvalid):
        testing.submit_scores(assigned["e1"], ["12.5", "24", "15", "8", "7", "8"])
    testing.submit_scores(assigned["e1"], ["5", "24", "15", "8", "7", "8"])


def test_a_step_is_enforced_and_the_scale_is_edited_on_the_rubric_page(client, passed, city, experts):
    rubric = services.rubric_ensure(passed.call, passed.tier, city)
    added = services.criterion_add(user=city, rubric=rubric, name="附加项", max_points=testing.Decimal("10"),
                                   step=testing.Decimal("2.5"))
    [assignment] = services.assign_experts(application=passed, user=city, experts=[experts["e1"]])
    with pytest.raises(services.ScoreInvalid) as invalid:
        services.score_save(assignment=assignment, user=experts["e1"], raw={added.pk: "3"})
    assert invalid.value.errors[added.pk] == "“附加项”本项按 2.5 分一档给分（0、2.5、5……），填写了 3"
    services.score_save(assignment=assignment, user=experts["e1"], raw={added.pk: "7.5"})
    # edited on the rubric page: a bad value is refused with the field named, what was typed kept
    client.force_login(city)
    url = reverse("experts:rubric", args=[rubric.pk])
    response = client.post(url, {"action": "update", "criterion": added.pk, "name": "附加项", "max_points": "10",
                                 "allowed_points": "0，5，12"})
    text = response.content.decode()
    assert response.status_code == 400 and "“允许的分值”中“12”有误：不能超过该项满分 10 分" in text
    assert 'value="0，5，12"' in text
    response = client.post(url, {"action": "update", "criterion": added.pk, "name": "附加项", "max_points": "10",
                                 "allowed_points": "0,5,10", "step": "5"})
    assert response.status_code == 400 and "只能填写一项" in response.content.decode()
    assert client.post(url, {"action": "update", "criterion": added.pk, "name": "附加项", "max_points": "10",
                             "allowed_points": "0、5、10"}).status_code == 302
    added.refresh_from_db()
    assert (added.allowed_points, added.step) == ("0,5,10", None)
    # the draft 7.5 is off the new scale: cleared for the expert to enter again
    assert CriterionScore.objects.get(assignment=assignment, criterion=added).points is None
    assert "只能给 0,5,10 分" in client.get(url).content.decode()
