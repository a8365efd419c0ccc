"""Conflict-of-interest exclusion (each rule, with its reason) and assigning experts."""

import pytest
from django.core import mail
from django.urls import reverse

from tidu.applications.workflow import State
from tidu.experts import services, testing
from tidu.experts.models import Assignment, ExpertRelation, Rubric
from tidu.notifications.models import Notification
from tidu.review.testing import put_on_sent_list


def _rubric(application):
    return services.rubric_ensure(application.call, application.tier)


def _excluded(application):
    from tidu.experts import selectors

    eligible, excluded = selectors.candidates(application, _rubric(application))
    return {c.user.username: c.reasons for c in excluded}, {c.user.username for c in eligible}


def test_employer_enterprise_is_the_applicant(w, passed, experts):
    profile = experts["e1"].expert_profile
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.save()
    excluded, eligible = _excluded(passed)
    assert excluded["e1"] == ["工作单位为申报企业"]
    assert "e1" not in eligible


def test_declared_relation_with_the_applicant(w, passed, experts, city):
    services.relation_declare(user=experts["e2"], profile=experts["e2"].expert_profile,
                              enterprise=w["enterprises"]["a"], kind=ExpertRelation.Kind.SHAREHOLDING, note="持股 2%")
    excluded, _ = _excluded(passed)
    assert excluded["e2"] == ["已申报与申报企业存在关联关系（持股或投资）：持股 2%"]


def test_relation_with_another_enterprise_does_not_exclude(w, passed, experts):
    services.relation_declare(user=experts["e2"], profile=experts["e2"].expert_profile,
                              enterprise=w["enterprises"]["b"], kind=ExpertRelation.Kind.CONSULTING)
    excluded, eligible = _excluded(passed)
    assert "e2" not in excluded and "e2" in eligible


def test_declared_employer_name_equals_the_applicant_name(passed, experts):
    profile = experts["e3"].expert_profile
    profile.employer_name = " 天门市华楚精密机械有限公司 "  # spaces and width do not matter
    profile.save()
    excluded, _ = _excluded(passed)
    assert excluded["e3"] == ["自报工作单位“ 天门市华楚精密机械有限公司 ”与申报企业名称相同"]


def test_same_unit_only_when_the_setting_is_on(w, passed, experts):
    profile = experts["e4"].expert_profile
    profile.unit = w["units"]["x"]
    profile.save()
    excluded, _ = _excluded(passed)
    assert excluded["e4"] == ["与申报企业同属竟陵街道办事处（同乡镇回避）"]
    Rubric.objects.filter(pk=_rubric(passed).pk).update(exclude_same_unit=False)
    excluded, eligible = _excluded(passed)
    assert "e4" not in excluded and "e4" in eligible


def test_several_reasons_are_all_listed(w, passed, experts):
    profile = experts["e1"].expert_profile
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.employer_name = "天门市华楚精密机械有限公司"
    profile.unit = w["units"]["x"]
    profile.save()
    excluded, _ = _excluded(passed)
    assert len(excluded["e1"]) == 3


def test_assign_page_shows_every_excluded_expert_and_why(client, w, passed, experts, city):
    profile = experts["e1"].expert_profile
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.save()
    services.relation_declare(user=city, profile=experts["e2"].expert_profile, enterprise=w["enterprises"]["a"],
                              kind=ExpertRelation.Kind.CONSULTING)
    client.force_login(city)
    page = client.get(reverse("experts:assign", args=[passed.pk])).content.decode()
    excluded_part = page.split('id="excluded"')[1]
    assert "张专家" in excluded_part and "工作单位为申报企业" in excluded_part
    assert "黄专家" in excluded_part and "已申报与申报企业存在关联关系（提供咨询、诊断或申报服务）" in excluded_part
    assert "赵专家" not in excluded_part


def test_refuses_to_assign_an_excluded_expert(w, passed, experts, city):
    profile = experts["e1"].expert_profile
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.save()
    with pytest.raises(services.ExpertsError) as refused:
        services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e2"]])
    assert refused.value.details == ["张专家：工作单位为申报企业"]
    assert not Assignment.objects.exists()
    passed.refresh_from_db()
    assert passed.status == State.FORMAL_PASSED


def test_manual_assignment_starts_review_through_the_workflow_and_notifies(passed, experts, city,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e3"]])
    passed.refresh_from_db()
    assert passed.status == State.EXPERT_REVIEW
    event = passed.events.all().last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "expert_start", State.FORMAL_PASSED, State.EXPERT_REVIEW, city)
    assert {a.expert.username for a in created} == {"e1", "e3"}
    notices = Notification.objects.filter(kind="experts.assigned")
    assert {n.recipient.username for n in notices} == {"e1", "e3"}
    assert all(reverse("experts:score", args=[a.pk]) in {n.link for n in notices} for a in created)
    assert {m.to[0] for m in mail.outbox if "专家评审任务" in m.subject} == {"e1@example.com", "e3@example.com"}


def test_auto_pick_takes_the_least_loaded_experts(w, passed, experts, city):
    other = testing.to_formal_passed(w, "b")
    services.assign_experts(application=other, user=city, experts=[experts["e1"], experts["e2"]])
    created = services.assign_experts(application=passed, user=city)  # default: 3 from the rubric
    # e3 and e4 have no open task; e1 and e2 have one each, and e1 comes first by username
    assert sorted(a.expert.username for a in created) == ["e1", "e3", "e4"]


def test_auto_pick_refuses_when_too_few_are_eligible(passed, city):
    with pytest.raises(services.ExpertsError, match="可选派的专家只有 4 位，不足 5 位"):
        services.assign_experts(application=passed, user=city, count=5)


@pytest.mark.parametrize("stage", ["submitted", "received", "expert_reviewed"])
def test_assignment_only_from_formal_passed(w, city, experts, stage):
    if stage == "expert_reviewed":
        application = testing.to_expert_reviewed(w, "a")
    else:
        application = testing.submit(w, "a")
        if stage == "received":
            from tidu.applications import services as application_services

            application_services.application_transition(application=application, action="township_recommend",
                                                        user=w["users"]["town_x"])
            put_on_sent_list(application)  # 受理 only from the unit's sent 推荐名单
            application_services.application_transition(application=application, action="city_receive", user=city)
    before = Assignment.objects.count()
    with pytest.raises(services.ExpertsError, match="只有形式审查通过"):
        services.assign_experts(application=application, user=city, experts=[experts["e4"]])
    assert Assignment.objects.count() == before


def test_more_experts_can_be_added_during_review_without_a_second_start(passed, experts, city):
    services.assign_experts(application=passed, user=city, experts=[experts["e1"]])
    services.assign_experts(application=passed, user=city, experts=[experts["e2"]])
    assert passed.events.filter(action="expert_start").count() == 1
    with pytest.raises(services.ExpertsError) as refused:
        services.assign_experts(application=passed, user=city, experts=[experts["e1"]])
    assert refused.value.details == ["张专家：不在可选派的专家中（未入库、已停用或已选派）"]


def test_assign_views(client, passed, experts, city):
    client.force_login(city)
    response = client.post(reverse("experts:assign", args=[passed.pk]), {"mode": "manual", "experts": []})
    assert response.status_code == 400 and "请至少选择一位专家" in response.content.decode()
    response = client.post(reverse("experts:assign", args=[passed.pk]), {"mode": "auto", "count": "3"})
    assert response.status_code == 302
    assert Assignment.objects.filter(application=passed).count() == 3


def test_a_draft_or_foreign_application_is_not_found(client, w, city):
    draft = testing.start(w, "a")
    client.force_login(city)
    assert client.get(reverse("experts:assign", args=[draft.pk])).status_code == 404
    assert client.get(reverse("experts:assign", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["ent_a", "town_x"])
def test_assign_page_forbidden_to_enterprise_and_township(client, w, passed, who):
    client.force_login(w["users"][who])
    assert client.get(reverse("experts:assign", args=[passed.pk])).status_code == 403
    assert client.post(reverse("experts:assign", args=[passed.pk]), {"mode": "auto"}).status_code == 403


def test_assign_page_forbidden_to_experts(client, passed, experts):
    client.force_login(experts["e1"])
    assert client.get(reverse("experts:assign", args=[passed.pk])).status_code == 403


EXPERT_NOTICES_EN = {
    "新的专家评审任务": "New expert review task",
    "市经信局邀请您评审“%(name)s”的%(call)s申报。如与该企业存在利害关系，请在评分页面声明回避。":
        "The city bureau invites you to review the %(call)s application of “%(name)s”. If you have an interest in "
        "this enterprise, declare a conflict on the scoring page.",
}


def test_the_assignment_notice_reads_in_english(passed, experts, city, django_capture_on_commit_callbacks):
    from tidu.testing import cjk_left, english, notice_in

    with django_capture_on_commit_callbacks(execute=True):
        services.assign_experts(application=passed, user=city, experts=[experts["e1"]])
    notice = Notification.objects.get(kind="experts.assigned")
    name, call = passed.enterprise.name, passed.call.title
    assert notice.title == "新的专家评审任务" and notice.body == (
        f"市经信局邀请您评审“{name}”的{call}申报。如与该企业存在利害关系，请在评分页面声明回避。")
    assert notice_in(notice, "zh-hans") == f"{notice.title}\n{notice.body}"
    with english(EXPERT_NOTICES_EN):
        shown = notice_in(notice, "en")
    assert shown.startswith("New expert review task\nThe city bureau invites you to review the ")
    assert cjk_left(shown, name, call) == [], shown
