"""Deciding items, completing or returning the check, discrepancies flowing back, and permissions."""

import pytest
from django.urls import reverse

from tidu.applications.workflow import State
from tidu.experts import testing
from tidu.experts.models import Assignment
from tidu.notifications.models import Notification
from tidu.onsite import services
from tidu.onsite.models import CheckItem, OnsiteCheck

Result = CheckItem.Result


@pytest.fixture
def check(w):
    application = testing.to_expert_reviewed(w, "a")
    found = OnsiteCheck.objects.get(application=application)
    services.inspectors_set(check=found, user=w["users"]["city"], inspectors=[w["users"]["city2"], w["experts"]["e4"]])
    return found


def _decide_all(check, user, mismatch_key=None):
    for item in check.items.all():
        if item.key == mismatch_key:
            services.item_decide(item=item, user=user, result=Result.MISMATCH, note="现场无视觉检测设备")
        else:
            services.item_decide(item=item, user=user, result=Result.CONFIRMED)


def test_inspector_decides_items_on_the_page(client, w, check):
    client.force_login(w["experts"]["e4"])
    page = client.get(reverse("onsite:check", args=[check.pk])).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert "属实" in page and "不符" in page and "未核查" in page
    item = check.items.get(key="SC24")
    response = client.post(reverse("onsite:item", args=[item.pk]), {"result": "mismatch", "note": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "核查结果为“不符”时须填写核查说明" in page and 'value="mismatch" checked' in page
    response = client.post(reverse("onsite:item", args=[item.pk]), {"result": "mismatch", "note": "现场仅有人工抽检"})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert (item.result, item.note, item.decided_by) == (Result.MISMATCH, "现场仅有人工抽检", w["experts"]["e4"])
    response = client.post(reverse("onsite:item", args=[item.pk]), {"result": "bogus"})
    assert response.status_code == 400 and "请选择核查结果" in response.content.decode()
    assert client.post(reverse("onsite:item", args=[item.pk]), {"result": "not_checked"}).status_code == 302


def test_completion_needs_every_item_decided(client, w, check):
    city = w["users"]["city"]
    first = check.items.first()
    services.item_decide(item=first, user=city, result=Result.CONFIRMED)
    with pytest.raises(services.OnsiteError, match="还有 11 项未填写核查结果"):
        services.check_complete(check=check, user=city)
    client.force_login(city)
    response = client.post(reverse("onsite:complete", args=[check.pk]))
    assert response.status_code == 400 and "还有 11 项未填写核查结果" in response.content.decode()
    check.application.refresh_from_db()
    assert check.application.status == State.EXPERT_REVIEWED


def test_completion_transitions_with_the_discrepancy_summary(client, w, check, django_capture_on_commit_callbacks):
    _decide_all(check, w["users"]["city2"], mismatch_key="SC24")
    client.force_login(w["users"]["city"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("onsite:complete", args=[check.pk])).status_code == 302
    check.refresh_from_db()
    application = check.application
    application.refresh_from_db()
    assert check.status == OnsiteCheck.Status.COMPLETED and application.status == State.ONSITE_VERIFIED
    event = application.events.all().last()
    assert (event.action, event.from_status, event.to_status) == ("onsite_complete", State.EXPERT_REVIEWED,
                                                                  State.ONSITE_VERIFIED)
    assert "属实 11 项，不符 1 项，未核查 0 项" in event.reason
    assert "SC24" in event.reason and "现场无视觉检测设备" in event.reason
    assert event.reason == check.summary
    notice = Notification.objects.get(kind="application.onsite_complete")  # the enterprise is told
    assert "现场无视觉检测设备" in notice.body
    with pytest.raises(services.OnsiteError, match="不能再修改"):
        services.item_decide(item=check.items.first(), user=w["users"]["city"], result=Result.CONFIRMED)


def test_summary_without_discrepancies(w, check):
    _decide_all(check, w["users"]["city"])
    services.check_complete(check=check, user=w["users"]["city"])
    check.refresh_from_db()
    assert "不符 0 项" in check.summary and "未发现与申报内容不符的情况" in check.summary


def test_city_may_return_for_revision_instead(client, w, check):
    client.force_login(w["users"]["city"])
    response = client.post(reverse("onsite:return", args=[check.pk]), {"reason": "核查发现问题"})
    assert response.status_code == 400 and "退回补正须至少指明一个需要修改的部分" in response.content.decode()
    assert "核查发现问题" in response.content.decode()  # typed text kept
    response = client.post(reverse("onsite:return", args=[check.pk]), {
        "reason-scenarios": "SC24 与现场不符，请据实修改", "reason": ""})
    assert response.status_code == 302
    check.refresh_from_db()
    check.application.refresh_from_db()
    assert check.status == OnsiteCheck.Status.RETURNED
    assert check.application.status == State.RETURNED
    assert check.application.returned_sections == {"scenarios": "SC24 与现场不符，请据实修改"}
    event = check.application.events.all().last()
    assert (event.action, event.from_status) == ("city_return", State.EXPERT_REVIEWED)


def test_discrepancies_are_visible_to_the_city_and_open_ones_to_the_experts(client, w, check):
    item = check.items.get(key="K01")
    services.item_decide(item=item, user=w["users"]["city2"], result=Result.MISMATCH, note="报表数值低于申报")
    city = w["users"]["city"]
    client.force_login(city)
    application = check.application
    page = client.get(reverse("experts:review", args=[application.pk])).content.decode()
    assert "现场核查发现的不符事项" in page and "报表数值低于申报" in page
    page = client.get(reverse("onsite:discrepancies", args=[application.pk])).content.decode()
    assert "报表数值低于申报" in page and "标记为已处理" in page
    # the expert scoring page lists it while it is open
    assignment = Assignment.objects.filter(application=application).first()
    client.force_login(assignment.expert)
    page = client.get(reverse("experts:score", args=[assignment.pk])).content.decode()
    assert "现场核查发现的不符事项（尚未处理）" in page and "报表数值低于申报" in page
    # once resolved, the expert no longer sees it; the city still does, marked as handled
    client.force_login(city)
    assert client.post(reverse("onsite:resolve", args=[item.pk]), {"resolution": "企业已说明统计口径"}).status_code == 302
    client.force_login(assignment.expert)
    assert "报表数值低于申报" not in client.get(reverse("experts:score", args=[assignment.pk])).content.decode()
    client.force_login(city)
    page = client.get(reverse("experts:review", args=[application.pk])).content.decode()
    assert "已处理" in page and "企业已说明统计口径" in page


def test_template_tag_for_other_review_pages(rf, w, check):
    from django.template import Context, Template

    services.item_decide(item=check.items.get(key="scope"), user=w["users"]["city"], result=Result.MISMATCH,
                         note="实为产线级")
    template = Template("{% load onsite_tags %}{% onsite_discrepancies application %}")
    html = template.render(Context({"application": check.application, "user": w["users"]["city"]}))
    assert "实为产线级" in html
    assert "实为产线级" not in template.render(Context({"application": check.application,
                                                      "user": w["users"]["ent_a"]}))


def test_inspectors_set_refuses_conflicted_experts_and_notifies(w, check, django_capture_on_commit_callbacks):
    profile = w["experts"]["e3"].expert_profile
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.save()
    with pytest.raises(services.OnsiteError) as refused:
        services.inspectors_set(check=check, user=w["users"]["city"], inspectors=[w["experts"]["e3"]])
    assert refused.value.details == ["赵专家：工作单位为申报企业"]
    with pytest.raises(services.OnsiteError):
        services.inspectors_set(check=check, user=w["users"]["city"], inspectors=[w["users"]["ent_a"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.inspectors_set(check=check, user=w["users"]["city"],
                                inspectors=[w["users"]["city2"], w["experts"]["e4"], w["experts"]["e1"]])
    assert [n.recipient.username for n in Notification.objects.filter(kind="onsite.assigned")] == ["e1"]


def test_inspector_report_notifies_the_city(client, w, check, django_capture_on_commit_callbacks):
    client.force_login(w["experts"]["e4"])
    response = client.post(reverse("onsite:report", args=[check.pk]))
    assert response.status_code == 400 and "还有 12 项未填写核查结果" in response.content.decode()
    _decide_all(check, w["experts"]["e4"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("onsite:report", args=[check.pk])).status_code == 302
    assert Notification.objects.filter(kind="onsite.reported").count() == 2


def test_permissions(client, w, check):
    item = check.items.first()
    urls_get = [reverse("onsite:check", args=[check.pk])]
    # enterprise and township: 403 everywhere
    for who in ("ent_a", "town_x"):
        client.force_login(w["users"][who])
        for url in urls_get + [reverse("onsite:home"), reverse("onsite:mine"),
                               reverse("onsite:discrepancies", args=[check.application_id])]:
            assert client.get(url).status_code == 403, (who, url)
        assert client.post(reverse("onsite:item", args=[item.pk]), {"result": "confirmed"}).status_code == 403
        assert client.post(reverse("onsite:photo_upload", args=[item.pk])).status_code == 403
        assert client.post(reverse("onsite:report", args=[check.pk])).status_code == 403
        assert client.post(reverse("onsite:complete", args=[check.pk])).status_code == 403
    # an expert who is not an inspector: the check does not exist for them
    client.force_login(w["experts"]["e2"])
    assert client.get(reverse("onsite:check", args=[check.pk])).status_code == 404
    assert client.post(reverse("onsite:item", args=[item.pk]), {"result": "confirmed"}).status_code == 404
    assert client.post(reverse("onsite:photo_upload", args=[item.pk])).status_code == 404
    assert client.post(reverse("onsite:report", args=[check.pk])).status_code == 404
    assert client.post(reverse("onsite:complete", args=[check.pk])).status_code == 403  # a city step
    assert "暂无现场核查任务" in client.get(reverse("onsite:mine")).content.decode()
    # an inspecting expert may decide but not run the city's steps
    client.force_login(w["experts"]["e4"])
    assert client.get(reverse("onsite:home")).status_code == 403
    assert client.post(reverse("onsite:complete", args=[check.pk])).status_code == 403
    assert client.post(reverse("onsite:return", args=[check.pk]), {"reason-scenarios": "x"}).status_code == 403
    assert client.post(reverse("onsite:inspectors", args=[check.pk]), {"inspectors": []}).status_code == 403
    assert client.post(reverse("onsite:resolve", args=[item.pk]), {"resolution": "x"}).status_code == 403
    assert client.post(reverse("onsite:create", args=[check.application_id])).status_code == 403
    page = client.get(reverse("onsite:check", args=[check.pk])).content.decode()
    assert "市经信局办理" not in page
    item.refresh_from_db()
    assert item.result == ""
    assert reverse("onsite:check", args=[check.pk]) in client.get(reverse("onsite:mine")).content.decode()
    client.logout()
    response = client.get(reverse("onsite:check", args=[check.pk]))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_city_pages(client, w, check):
    client.force_login(w["users"]["city"])
    page = client.get(reverse("onsite:home")).content.decode()
    assert "天门市华楚精密机械有限公司" in page and "已核查 0/12 项" in page
    page = client.get(reverse("onsite:check", args=[check.pk])).content.decode()
    assert "市经信局办理" in page and "指定核查人员" in page
    response = client.post(reverse("onsite:inspectors", args=[check.pk]), {"inspectors": [], "planned_date": ""})
    assert response.status_code == 400 and "请至少选择一名核查人员" in response.content.decode()
    response = client.post(reverse("onsite:inspectors", args=[check.pk]),
                           {"inspectors": [w["users"]["city2"].pk], "planned_date": "2026-05-20"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert str(check.planned_date) == "2026-05-20"
    assert client.get(reverse("onsite:check", args=[999999])).status_code == 404


def test_city_creates_a_check_after_a_return_and_resubmission(client, w, check):
    city = w["users"]["city"]
    services.check_return(check=check, user=city, section_reasons={"scope": "请据实填写建设范围"})
    from tidu.applications import services as application_services

    application = check.application
    application.refresh_from_db()
    application_services.application_submit(application=application, user=w["users"]["ent_a"],
                                            idempotency_key="resubmit-1", now=testing.IN_WINDOW)
    application.refresh_from_db()
    assert application.status == State.EXPERT_REVIEWED
    client.force_login(city)
    assert "天门市华楚精密机械有限公司" in client.get(reverse("onsite:home")).content.decode().split("核查记录")[0]
    response = client.post(reverse("onsite:create", args=[application.pk]))
    new = OnsiteCheck.objects.get(application=application, status=OnsiteCheck.Status.OPEN)
    assert response["Location"] == reverse("onsite:check", args=[new.pk]) and new.pk != check.pk
    assert new.items.count() == 12


def test_a_return_elsewhere_makes_the_open_list_stale_and_it_is_regenerated(client, w, check):
    from tidu.applications import services as application_services

    city, ent = w["users"]["city"], w["users"]["ent_a"]
    application = check.application
    application_services.application_transition(application=application, action="city_return", user=city,
                                                section_reasons={"scope": "请补充建设范围"})
    client.force_login(w["experts"]["e4"])
    assert "请勿继续按本清单核查" in client.get(reverse("onsite:check", args=[check.pk])).content.decode()
    row = application.sections.get(key="scope")
    application_services.application_section_save(application=application, key="scope",
                                                  data={**row.data, "scope": "工厂级"}, base_revision=row.revision,
                                                  user=ent)
    application_services.application_submit(application=application, user=ent, idempotency_key="resubmit-2",
                                            now=testing.IN_WINDOW)
    client.force_login(city)
    page = client.get(reverse("onsite:check", args=[check.pk])).content.decode()
    assert "按最新申报内容重新生成清单" in page
    response = client.post(reverse("onsite:create", args=[application.pk]))
    check.refresh_from_db()
    assert check.status == OnsiteCheck.Status.CANCELLED
    new = OnsiteCheck.objects.get(application=application, status=OnsiteCheck.Status.OPEN)
    assert response["Location"] == reverse("onsite:check", args=[new.pk])
    assert "建设范围：工厂级" in new.items.get(key="scope").claim


ONSITE_NOTICES_EN = {
    "现场核查任务": "On-site verification task",
    "请对“%(name)s”的申报开展现场核查，计划于 %(date)s。核查清单已按申报内容生成，可在手机上逐项填写并拍照。":
        "Please carry out the on-site verification of “%(name)s”'s application, planned for %(date)s. The checklist "
        "follows the application; fill it in item by item and take photos on your phone.",
}


def test_the_onsite_task_notice_reads_in_english(w, check, django_capture_on_commit_callbacks):
    import datetime as dt

    from tidu.testing import cjk_left, english, notice_in

    with django_capture_on_commit_callbacks(execute=True):
        services.inspectors_set(check=check, user=w["users"]["city"], inspectors=[w["experts"]["e1"]],
                                planned_date=dt.date(2026, 5, 12))
    notice = Notification.objects.get(kind="onsite.assigned")
    name = check.application.enterprise.name
    assert notice.body == (f"请对“{name}”的申报开展现场核查，计划于 2026年5月12日。核查清单已按申报内容生成，"
                           "可在手机上逐项填写并拍照。")
    with english(ONSITE_NOTICES_EN):
        shown = notice_in(notice, "en")
    assert shown.startswith("On-site verification task\n") and "planned for 12 May 2026" in shown
    assert cjk_left(shown, name) == [], shown
