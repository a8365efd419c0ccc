"""Re-opening one expert's score, declaring a conflict, and completing the expert review."""

import pytest
from django.urls import reverse

from tidu.applications.workflow import State
from tidu.experts import services, testing
from tidu.experts.models import Assignment, ExpertRelation, ExpertReviewResult
from tidu.notifications.models import Notification
from tidu.onsite.models import OnsiteCheck


@pytest.fixture
def assigned(passed, experts, city):
    services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e2"], experts["e3"]])
    return {a.expert.username: a for a in Assignment.objects.filter(application=passed).select_related("expert")}


def _all_in(assigned, totals=(80, 78, 50)):
    for username, total in zip(("e1", "e2", "e3"), totals, strict=True):
        testing.submit_scores(assigned[username], testing.points_for_total(total))


def test_outliers_are_flagged_for_the_city(client, assigned, city):
    _all_in(assigned)
    client.force_login(city)
    page = client.get(reverse("experts:review", args=[assigned["e1"].application_id])).content.decode()
    assert "偏离 -29 分（其他专家中位数 79）" in page
    assert "偏离 16 分" not in page  # only the deviating expert is flagged, not the one it pulled apart
    assert "69.33" in page
    assert "有 1 份评分偏离其他专家较大" in page


def test_reopen_one_score_with_a_reason(client, assigned, city, experts, django_capture_on_commit_callbacks):
    _all_in(assigned)
    client.force_login(city)
    url = reverse("experts:reopen", args=[assigned["e3"].pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "请写明请专家复核的原因" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "请核对信息基础建设得分"}).status_code == 302
    assignment = Assignment.objects.get(pk=assigned["e3"].pk)
    assert assignment.status == Assignment.Status.REOPENED and assignment.submitted_at is None
    assert assignment.events.filter(action="reopened",
                                          reason="请核对信息基础建设得分").exists()
    notice = Notification.objects.get(kind="experts.reopened")
    assert notice.recipient == experts["e3"] and "请核对信息基础建设得分" in notice.body
    # sealed again until the expert resubmits
    page = client.get(reverse("experts:review", args=[assignment.application_id])).content.decode()
    assert "密封评分" in page
    # the expert sees the reason, edits and resubmits
    client.force_login(experts["e3"])
    page = client.get(reverse("experts:score", args=[assignment.pk])).content.decode()
    assert "请核对信息基础建设得分" in page and 'id="score-form"' in page
    testing.submit_scores(assignment, testing.points_for_total(74))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED and str(assignment.total) == "74.0"


def test_reopen_refused_for_unsubmitted_or_by_non_city(client, assigned, experts):
    with pytest.raises(services.ExpertsError, match="只能退回已提交的评分"):
        services.assignment_reopen(assignment=assigned["e1"], user=assigned["e1"].application.expert_assignments
                                   .first().assigned_by, reason="x")
    client.force_login(experts["e1"])
    assert client.post(reverse("experts:reopen", args=[assigned["e1"].pk]), {"reason": "x"}).status_code == 403


def test_complete_needs_every_score(client, assigned, city):
    testing.submit_scores(assigned["e1"])
    with pytest.raises(services.ExpertsError, match="还有专家未提交评分") as refused:
        services.review_complete(application=assigned["e1"].application, user=city)
    assert refused.value.details == ["黄专家", "赵专家"]
    client.force_login(city)
    response = client.post(reverse("experts:complete", args=[assigned["e1"].application_id]))
    assert response.status_code == 400 and "还有专家未提交评分" in response.content.decode()


def test_complete_with_outliers_needs_a_note(assigned, city):
    _all_in(assigned)
    application = assigned["e1"].application
    with pytest.raises(services.ExpertsError, match="偏离超过 15 分"):
        services.review_complete(application=application, user=city)
    result = services.review_complete(application=application, user=city, note="经电话核实，专家坚持原评分")
    assert result.note == "经电话核实，专家坚持原评分"


def test_complete_records_the_result_transitions_and_opens_the_onsite_check(client, assigned, city,
                                                                          django_capture_on_commit_callbacks):
    _all_in(assigned, (70, 72, 74))
    application = assigned["e1"].application
    client.force_login(city)
    with django_capture_on_commit_callbacks(execute=True):  # the on-site domain hears of expert_complete
        assert client.post(reverse("experts:complete", args=[application.pk]), {"note": ""}).status_code == 302
    application.refresh_from_db()
    assert application.status == State.EXPERT_REVIEWED
    event = application.events.all().last()
    assert (event.action, event.from_status, event.to_status) == ("expert_complete", State.EXPERT_REVIEW,
                                                                  State.EXPERT_REVIEWED)
    assert event.reason == ""  # the scores are not sent to the enterprise
    result = ExpertReviewResult.objects.get(application=application)
    assert (str(result.mean_total), result.expert_count, result.trimmed) == ("72.00", 3, False)
    assert [row["total"] for row in result.detail["totals"]] == ["70.0", "72.0", "74.0"]
    assert OnsiteCheck.objects.filter(application=application, status=OnsiteCheck.Status.OPEN).count() == 1
    with pytest.raises(services.ExpertsError, match="不能完成专家评审"):
        services.review_complete(application=application, user=city)


def test_trimmed_mean_with_five_experts(w, passed, city, experts):
    from tidu.accounts.models import User
    from tidu.experts.models import ExpertProfile

    extra = User.objects.create_user("e5", password="pw-not-used-123", role=User.Role.EXPERT, first_name="孙专家")
    ExpertProfile.objects.create(user=extra)
    rubric = services.rubric_ensure(passed.call, passed.tier)
    services.rubric_settings_update(user=city, rubric=rubric, data={"trim_extremes": True})
    assignments = services.assign_experts(application=passed, user=city, count=5)
    for assignment, total in zip(assignments, (60, 70, 75, 80, 95), strict=True):
        testing.submit_scores(assignment, testing.points_for_total(total))
    result = services.review_complete(application=passed, user=city, note="两端评分已核对")
    assert (str(result.mean_total), result.trimmed) == ("75.00", True)
    with pytest.raises(services.ExpertsError, match="不能再修改"):
        services.rubric_settings_update(user=city, rubric=rubric, data={"trim_extremes": False})


def test_expert_declares_a_conflict(client, assigned, experts, city, django_capture_on_commit_callbacks):
    client.force_login(experts["e2"])
    url = reverse("experts:declare_conflict", args=[assigned["e2"].pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "请说明与申报企业的利害关系" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "曾为该企业提供申报咨询"}).status_code == 302
    assignment = Assignment.objects.get(pk=assigned["e2"].pk)
    assert assignment.status == Assignment.Status.WITHDRAWN
    assert ExpertRelation.objects.filter(profile__user=experts["e2"], kind=ExpertRelation.Kind.CONFLICT,
                                         enterprise=assignment.application.enterprise).exists()
    assert {n.recipient.username for n in Notification.objects.filter(kind="experts.conflict")} == {"city", "city2"}
    assert client.get(reverse("experts:score", args=[assignment.pk])).status_code == 404
    assert "已声明回避" in client.get(reverse("experts:my_assignments")).content.decode()
    # the city sees the withdrawal, and the expert is now excluded with the reason
    client.force_login(city)
    page = client.get(reverse("experts:assign", args=[assignment.application_id])).content.decode()
    assert "评审时声明的利益冲突" in page.split('id="excluded"')[1]
    # two experts are below the rubric's panel of three: refused, or completed with a recorded reason
    testing.submit_scores(assigned["e1"])
    testing.submit_scores(assigned["e3"])
    with pytest.raises(services.ExpertsError, match="专家人数不足"):
        services.review_complete(application=assignment.application, user=city)
    result = services.review_complete(application=assignment.application, user=city,
                                      quorum_override_reason="库内无其他可选派专家")
    assert (result.expert_count, result.quorum, result.quorum_override_reason) == (2, 3, "库内无其他可选派专家")


def test_a_submitted_score_cannot_be_withdrawn_by_the_expert(assigned):
    testing.submit_scores(assigned["e1"])
    with pytest.raises(services.ExpertsError, match="评分已提交"):
        services.conflict_declare(assignment=assigned["e1"], user=assigned["e1"].expert, reason="x")
