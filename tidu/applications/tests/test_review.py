"""The township's review: recommend, not recommend, return for revision — and the enterprise's side of a return."""

import pytest
from django.urls import reverse

from tidu.applications.models import Submission
from tidu.applications.tests.conftest import login, submit_now
from tidu.notifications.models import Notification

pytestmark = pytest.mark.django_db


def review_url(application):
    return reverse("applications:review", args=[application.pk])


def section_url(application, key):
    return reverse("applications:section", args=[application.pk, key])


def test_review_page_shows_the_application_findings_and_forms(client, users, submitted_a):
    login(client, users["x"])
    page = client.get(review_url(submitted_a)).content.decode()
    assert submitted_a.enterprise.name in page and "已提交，待乡镇审核" in page
    assert "天门市华楚精密机械有限公司" in page and "C3484" in page  # the read-only application
    assert "自评估报告.pdf" in page
    assert "符合申报条件" in page and "申报条件1" in page and "result-pass" in page  # the engine's findings
    for label in ("同意推荐", "不予推荐", "退回补正"):
        assert label in page
    for key in ("basic", "kpis", "attestation"):
        assert f'name="reason-{key}"' in page
    assert "79.31%" in page  # KPI values in the read-only view


def test_city_sees_the_review_page_without_township_forms(client, users, submitted_a):
    login(client, users["city"])
    page = client.get(review_url(submitted_a)).content.decode()
    assert submitted_a.enterprise.name in page
    assert 'name="action"' not in page


def test_recommend(client, users, submitted_a):
    login(client, users["x"])
    response = client.post(review_url(submitted_a), {"action": "township_recommend", "reason": "同意"})
    assert response.status_code == 302 and response["Location"] == review_url(submitted_a)
    page = client.get(response["Location"]).content.decode()
    assert "已同意推荐" in page and "乡镇已推荐" in page
    assert 'value="township_recommend"' not in page  # decided; what is left comes from the workflow table
    assert 'value="township_withdraw_recommendation"' in page
    submitted_a.refresh_from_db()
    assert submitted_a.status == "township_recommended"
    # a repeat is refused, not redone
    response = client.post(review_url(submitted_a), {"action": "township_recommend"})
    assert response.status_code == 400
    assert "不能“同意推荐”" in response.content.decode()
    assert submitted_a.events.filter(action="township_recommend").count() == 1


def test_not_recommend_needs_an_opinion(client, users, submitted_a):
    login(client, users["x"])
    response = client.post(review_url(submitted_a), {"action": "township_not_recommend", "reason": "  "})
    assert response.status_code == 400
    assert "“不予推荐”须填写意见" in response.content.decode()
    submitted_a.refresh_from_db()
    assert submitted_a.status == "submitted"
    client.post(review_url(submitted_a), {"action": "township_not_recommend", "reason": "近三年有环保处罚"})
    submitted_a.refresh_from_db()
    assert submitted_a.status == "township_not_recommended"
    assert submitted_a.events.get(action="township_not_recommend").reason == "近三年有环保处罚"


def test_return_needs_at_least_one_section_reason_and_keeps_typed_text(client, users, submitted_a):
    login(client, users["x"])
    response = client.post(review_url(submitted_a), {"action": "township_return", "reason": "请补正"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "退回补正须至少指明一个需要修改的部分" in page
    assert "请补正" in page
    submitted_a.refresh_from_db()
    assert submitted_a.status == "submitted"


def test_unknown_action_is_refused(client, users, submitted_a):
    login(client, users["x"])
    response = client.post(review_url(submitted_a), {"action": "submit"})
    assert response.status_code == 400 and "未知的操作" in response.content.decode()


def test_return_for_revision_round_trip(frozen_now, client, users, app_a, django_capture_on_commit_callbacks):
    submit_now(app_a, users["a"], key="first")
    reasons = {"basic": "主营业务收入请与统计报表一致", "kpis": "请补充生产效率提升的计算依据"}

    # the township returns two sections
    login(client, users["x"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url(app_a), {"action": "township_return", "reason": "",
                                                   **{f"reason-{k}": v for k, v in reasons.items()}})
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert app_a.status == "returned" and app_a.returned_sections == reasons
    notice = Notification.objects.get(recipient=users["a"])
    assert notice.kind == "application.township_return" and reasons["basic"] in notice.body

    # the enterprise sees the reasons, on the status page and on the returned sections
    login(client, users["a"])
    status_page = client.get(reverse("applications:status", args=[app_a.pk])).content.decode()
    assert "退回补正" in status_page
    for text in reasons.values():
        assert text in status_page
    page = client.get(section_url(app_a, "basic")).content.decode()
    assert "退回补正意见" in page and reasons["basic"] in page
    assert "hx-post" in page and ">保存</button>" in page  # editable
    page = client.get(section_url(app_a, "scope")).content.decode()
    assert "本部分不在退回补正范围内" in page and "hx-post" not in page and " disabled" in page

    # only the returned sections may be changed
    scope = app_a.sections.get(key="scope")
    response = client.post(section_url(app_a, "scope"),
                           {"base_revision": str(scope.revision), **scope.data, "project_name": "改了"})
    assert response.status_code == 400
    assert "“建设范围与项目概况”不在退回补正范围内，不能修改" in response.content.decode()
    assert app_a.sections.get(key="scope").data == scope.data
    response = client.post(reverse("applications:autosave", args=[app_a.pk, "scope"]),
                           {"base_revision": str(scope.revision), **scope.data})
    assert response.status_code == 400
    basic = app_a.sections.get(key="basic")
    response = client.post(section_url(app_a, "basic"), {"base_revision": str(basic.revision),
                                                         **basic.data, "main_business_revenue_10k_yuan": "18650"})
    assert response.status_code == 302
    assert app_a.sections.get(key="basic").data["main_business_revenue_10k_yuan"] == "18650"

    # resubmit through the page
    page = client.get(reverse("applications:submit", args=[app_a.pk])).content.decode()
    assert "补正后重新提交" in page
    response = client.post(reverse("applications:submit", args=[app_a.pk]), {"idempotency_key": "second"})
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert app_a.status == "submitted" and app_a.returned_sections == {}
    assert Submission.objects.filter(application=app_a).count() == 2
    events = list(app_a.events.all().order_by("created_at", "id"))
    assert [e.action for e in events] == ["create", "submit", "township_return", "resubmit"]
    assert events[2].section_reasons == reasons
    assert events[2].actor == users["x"]
    # after resubmission everything is read-only again, and the history keeps the reasons
    page = client.get(section_url(app_a, "basic")).content.decode()
    assert "hx-post" not in page
    status_page = client.get(reverse("applications:status", args=[app_a.pk])).content.decode()
    assert reasons["kpis"] in status_page and "补正后重新提交" in status_page
