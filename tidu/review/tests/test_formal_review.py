"""形式审查: a checklist pre-filled from the engine; overriding it needs a reason; decisions go through the workflow."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications.evidence import evidence_upload
from tidu.applications.testing import fill_complete_application, minimal_pdf_bytes
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.notifications.models import Notification
from tidu.review import services
from tidu.review.models import BatchRun, FormalReview
from tidu.review.tests.conftest import IN_WINDOW, login
from tidu.review.tests.lifecycle import actor, drive_to, submit, transition

pytestmark = pytest.mark.django_db
CONDITION_TOPICS = [f"申报条件{n}" for n in range(1, 10)]


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)


def with_all_evidence(application):
    """Fill the application and upload evidence for every 申报条件 too (the helper uploads only the report)."""
    user = actor(application, "enterprise")
    fill_complete_application(application, user)
    for topic in CONDITION_TOPICS:
        evidence_upload(application=application, section="conditions", topic=topic, user=user,
                        upload=SimpleUploadedFile(f"{topic}.pdf", minimal_pdf_bytes(topic),
                                                  content_type="application/pdf"))
    return application


def received(*applications):
    """Received by the city the way the review side does it: through the unit's sent list (one unit)."""
    for application in applications:
        drive_to(application, State.TOWNSHIP_RECOMMENDED)
    first = applications[0]
    officer = actor(first, "township")
    rlist = services.list_for(call=first.call, unit=first.enterprise.unit, user=officer)
    entries = services.entries_add(rlist=rlist, applications=list(applications), user=officer)
    services.entries_update(rlist=rlist, order=[e.pk for e in entries], opinions={e.pk: "同意推荐" for e in entries},
                            user=officer)
    services.list_sign(rlist=rlist, user=officer)
    services.list_send(rlist=rlist, user=officer)
    for application in applications:
        services.city_receive(application=application, user=actor(application, "city"))
        application.refresh_from_db()
        assert application.status == State.RECEIVED
    return first


def _form(items, decision, *, tick=None, why=None, **extra):
    """POST data for the page: the items as shown, ticks as the engine pre-filled unless ``tick`` says otherwise."""
    tick, why = tick or {}, why or {}
    data = {"decision": decision, "item": [item.key for item in items], **extra}
    for item in items:
        if tick.get(item.key, item.engine_checked):
            data[f"check-{item.key}"] = "on"
        if item.key in why:
            data[f"why-{item.key}"] = why[item.key]
    return data


def test_the_checklist_is_prefilled_from_the_engine(client, app_a, users):
    received(app_a)
    items = {item.key: item for item in services.formal_checklist(app_a)}
    sections = [item for key, item in items.items() if key.startswith("section:")]
    assert len(sections) == 9 and all(item.engine_checked for item in sections)
    assert items["evidence:maturity_report"].engine_checked
    for topic in CONDITION_TOPICS:  # the test helper uploads no evidence per condition
        assert not items[f"evidence:{topic}"].engine_checked
        assert items[f"evidence:{topic}"].engine_message == f"未上传{topic}的佐证材料"
    clauses = [item for key, item in items.items() if key.startswith("clause:")]
    assert {item.label for item in clauses} >= {*CONDITION_TOPICS, "申报时间", "基础要求1", "基础要求5", "建设内容-基础级"}
    assert all(item.engine_checked and item.engine_result == "pass" for item in clauses)
    login(client, users["city"])
    page = client.get(reverse("review:formal_review", args=[app_a.pk])).content.decode()
    assert "材料齐全" in page and "条件符合" in page and "未上传申报条件4的佐证材料" in page
    assert 'name="check-clause:申报条件7" checked' in page
    assert 'name="check-evidence:申报条件1">' in page  # not ticked


def test_overriding_the_engine_needs_a_reason(client, django_capture_on_commit_callbacks, app_a, users):
    received(app_a)
    items = services.formal_checklist(app_a)
    evidence_keys = [f"evidence:{topic}" for topic in CONDITION_TOPICS]
    login(client, users["city"])
    url = reverse("review:formal_review", args=[app_a.pk])
    # as pre-filled: nine items unticked, so no pass
    response = client.post(url, _form(items, "formal_pass"))
    assert response.status_code == 400 and "以下审查项未勾选，不能通过形式审查" in response.content.decode()
    # ticked, but without saying why
    tick_all = {key: True for key in evidence_keys}
    response = client.post(url, _form(items, "formal_pass", tick=tick_all,
                                      why={evidence_keys[0]: "纸质材料中已附"}))
    page = response.content.decode()
    assert response.status_code == 400 and "与系统预审不一致，须说明理由" in page
    assert page.count("须说明理由") == 8 and "纸质材料中已附" in page  # what was typed stays
    app_a.refresh_from_db()
    assert app_a.status == State.RECEIVED and not FormalReview.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _form(items, "formal_pass", tick=tick_all,
                                          why={key: "纸质申报材料中已附佐证" for key in evidence_keys}))
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert app_a.status == State.FORMAL_PASSED
    review = FormalReview.objects.get()
    assert review.decision == "formal_pass" and review.reviewer == users["city"] and not review.batch
    assert review.audit_entry.action == "formal_pass" and review.audit_entry.to_status == State.FORMAL_PASSED
    assert {item["key"] for item in review.overrides} == set(evidence_keys)
    assert all(item["override_reason"] == "纸质申报材料中已附佐证" for item in review.overrides)
    assert Notification.objects.filter(recipient=users["a"], kind="application.formal_pass").exists()
    assert "改变系统预审的项" in client.get(url).content.decode()


def test_unticking_a_passed_clause_also_needs_a_reason_and_fail_needs_an_opinion(client, app_a, users):
    received(app_a)
    items = services.formal_checklist(app_a)
    login(client, users["city"])
    url = reverse("review:formal_review", args=[app_a.pk])
    untick = {"clause:申报条件4": False}
    response = client.post(url, _form(items, "formal_fail", tick=untick, reason="近三年有环保处罚"))
    assert response.status_code == 400 and "“申报条件4”（条件符合）与系统预审不一致" in response.content.decode()
    response = client.post(url, _form(items, "formal_fail", tick=untick, why={"clause:申报条件4": "查实有处罚"}))
    assert response.status_code == 400 and "“形式审查不通过”须填写意见" in response.content.decode()
    response = client.post(url, _form(items, "formal_fail", tick=untick, why={"clause:申报条件4": "查实有处罚"},
                                      reason="近三年有环保处罚"))
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert app_a.status == State.FORMAL_FAILED
    review = FormalReview.objects.get()
    assert review.reason == "近三年有环保处罚" and [i["key"] for i in review.overrides] == ["clause:申报条件4"]


def test_return_for_revision_comes_back_to_formal_review(client, app_a, users):
    received(app_a)
    items = services.formal_checklist(app_a)
    login(client, users["city"])
    url = reverse("review:formal_review", args=[app_a.pk])
    response = client.post(url, _form(items, "city_return"))
    assert response.status_code == 400 and "退回补正须至少指明一个需要修改的部分" in response.content.decode()
    response = client.post(url, _form(items, "city_return", **{"reason-conditions": "请上传各申报条件的佐证材料"}))
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert app_a.status == State.RETURNED and app_a.returned_sections == {"conditions": "请上传各申报条件的佐证材料"}
    submit(app_a)
    assert app_a.status == State.RECEIVED  # back to the step that returned it
    assert FormalReview.objects.get().decision == "city_return"


def test_batch_formal_pass_only_where_the_engine_has_nothing_open(client, call, app_a, app_a2, users):
    with_all_evidence(app_a2)
    received(app_a, app_a2)
    login(client, users["city"])
    client.post(reverse("review:batch"), {"call": call.code, "status": State.RECEIVED, "action": "formal_pass"})
    run = BatchRun.objects.get()
    by_name = {row["enterprise"]: row for row in run.results}
    assert by_name[app_a2.enterprise.name]["ok"] is True
    assert by_name[app_a.enterprise.name]["ok"] is False
    assert "系统预审有未通过的审查项，须逐件进行形式审查" in by_name[app_a.enterprise.name]["message"]
    app_a.refresh_from_db()
    app_a2.refresh_from_db()
    assert (app_a.status, app_a2.status) == (State.RECEIVED, State.FORMAL_PASSED)
    review = FormalReview.objects.get()
    assert review.application == app_a2 and review.batch and not review.overrides


def test_only_city_officers_decide(client, app_a, users):
    received(app_a)
    url = reverse("review:formal_review", args=[app_a.pk])
    for key, status in (("x", 403), ("a", 403), ("expert", 403)):
        login(client, users[key])
        assert client.get(url).status_code == status
    login(client, users["admin"])  # 系统管理员 is not a business role: it neither sees nor acts
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "formal_fail", "reason": "x"}).status_code == 403
    app_a.refresh_from_db()
    assert app_a.status == State.RECEIVED


def test_the_page_is_read_only_once_decided(client, app_a, users):
    received(app_a)
    transition(app_a, "formal_fail", "city")
    login(client, users["city"])
    page = client.get(reverse("review:formal_review", args=[app_a.pk])).content.decode()
    assert "不在“待形式审查”状态" in page and 'name="decision"' not in page
