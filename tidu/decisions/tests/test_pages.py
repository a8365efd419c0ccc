"""What the city sees and does on the decision pages, the application page and the 公示 candidate list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tidu import testing as build
from tidu.applications.workflow import State
from tidu.decisions import services
from tidu.decisions.models import ReviewConclusion
from tidu.experts import testing
from tidu.onsite import services as onsite_services
from tidu.onsite.models import CheckItem
from tidu.publicity import services as publicity_services
from tidu.testing import AuditSince as Audit

PASS, FAIL = ReviewConclusion.Outcome.PASS, ReviewConclusion.Outcome.FAIL


@pytest.fixture
def reviewed(w):
    return testing.to_expert_reviewed(w, "a")


def _login(client, user):
    client.force_login(user)
    return client


def test_the_decision_page_shows_the_total_and_prefills_from_the_pass_mark(client, reviewed, city):
    page = _login(client, city).get(reverse("decisions:application", args=[reviewed.pk])).content.decode()
    assert "专家组总分" in page and "72" in page and "本批次未设置，不预选结论" in page
    assert "checked" not in page  # no pass mark: neither choice is made for the officer
    services.decision_setting_set(call=reviewed.call, user=city, pass_mark="80", source="2026年第3次局长办公会")
    page = client.get(reverse("decisions:application", args=[reviewed.pk])).content.decode()
    assert "80.00（依据：2026年第3次局长办公会）" in page and "仅作预选，结论由您确认" in page
    assert 'value="fail" required id="id_outcome_1" checked' in page  # 72 < 80: 不通过 pre-selected
    assert 'value="pass" required id="id_outcome_0" checked' not in page


def test_recording_not_passed_then_not_recognised_from_the_page(client, reviewed, city):
    _login(client, city)
    url = reverse("decisions:application", args=[reviewed.pk])
    response = client.post(url, {"outcome": FAIL, "reasons": ""})
    assert response.status_code == 400 and "请填写评审结论的理由" in response.content.decode()
    response = client.post(url, {"outcome": FAIL, "reasons": "专家一致认为场景建设不足"}, follow=True)
    page = response.content.decode()
    assert "评审结论已记录：不通过" in page and "专家一致认为场景建设不足" in page
    assert "评审结论为“不通过”。如决定不予认定" in page  # 不予认定 is offered next, the reasons pre-filled
    audit = Audit()
    response = client.post(reverse("decisions:reject", args=[reviewed.pk]), {"reason": "评审结论不通过"}, follow=True)
    reviewed.refresh_from_db()
    assert reviewed.status == State.NOT_RECOGNISED
    assert [r.action for r in audit.rows("application")] == ["reject"]
    assert "已不予认定" in response.content.decode()
    # Now final: neither a conclusion nor 不予认定 is offered any more.
    page = client.get(url).content.decode()
    assert "记录评审结论</button>" not in page and 'action="/decisions/applications/' not in page


def test_not_recognised_without_a_reason_is_refused(client, reviewed, city):
    _login(client, city).post(reverse("decisions:reject", args=[reviewed.pk]), {"reason": " "})
    reviewed.refresh_from_db()
    assert reviewed.status == State.EXPERT_REVIEWED


def test_the_application_page_offers_not_recognised_in_every_state_the_table_allows(client, w, reviewed, city):
    url = reverse("applications:review", args=[reviewed.pk])
    page = _login(client, city).get(url).content.decode()
    assert 'id="decision"' in page and "不予认定理由（必填，将告知企业）" in page and "尚未记录" in page
    response = client.post(reverse("decisions:reject", args=[reviewed.pk]),
                           {"reason": "企业主动放弃", "next": "review"})
    assert response.status_code == 302 and response["Location"] == url
    verified = build.drive_to(testing.submit(w, "b"), State.ONSITE_VERIFIED)
    page = client.get(reverse("applications:review", args=[verified.pk])).content.decode()
    assert "不予认定理由（必填，将告知企业）" in page and "通过" in page
    build.drive_to(verified, State.PROPOSED)  # 拟认定 (on a 公示): still allowed by the table
    page = client.get(reverse("applications:review", args=[verified.pk])).content.decode()
    assert "不予认定理由（必填，将告知企业）" in page
    client.post(reverse("decisions:reject", args=[verified.pk]), {"reason": "公示期间查实申报数据不实"})
    verified.refresh_from_db()
    assert verified.status == State.NOT_RECOGNISED
    page = client.get(reverse("applications:review", args=[verified.pk])).content.decode()
    assert "不予认定理由（必填，将告知企业）" not in page  # final: nothing more to decide


def test_not_recognised_is_not_offered_before_expert_review(client, w, passed, city):
    page = _login(client, city).get(reverse("applications:review", args=[passed.pk])).content.decode()
    assert "不予认定理由（必填，将告知企业）" not in page
    response = client.post(reverse("decisions:reject", args=[passed.pk]), {"reason": "提前不予认定"}, follow=True)
    passed.refresh_from_db()
    assert passed.status == State.FORMAL_PASSED and "不能“不予认定”" in response.content.decode()


def test_the_township_never_sees_the_decision_pages(client, w, reviewed):
    _login(client, w["users"]["town_x"])
    assert client.get(reverse("decisions:application", args=[reviewed.pk])).status_code == 403
    assert client.post(reverse("decisions:reject", args=[reviewed.pk]), {"reason": "x"}).status_code == 403
    page = client.get(reverse("applications:review", args=[reviewed.pk])).content.decode()
    assert 'id="decision"' not in page


def test_the_call_page_records_a_collective_decision(client, reviewed, city):
    conclusion = services.conclusion_record(application=reviewed, user=city, outcome=FAIL, reasons="分数偏低")
    _login(client, city)
    url = reverse("decisions:call", args=[reviewed.call_id])
    page = client.get(url).content.decode()
    assert "天门市华楚精密机械有限公司：不通过（专家评审后）" in page
    response = client.post(url, {"action": "collective", "meeting_name": "局长办公会", "conclusion": [conclusion.pk]})
    assert response.status_code == 400 and "或填写文号" in response.content.decode()
    response = client.post(url, {"action": "collective", "meeting_name": "局长办公会", "meeting_date": "2026-04-20",
                                 "attendees": "局长、中小企业科", "conclusion": [conclusion.pk]}, follow=True)
    assert "集体决策已记录" in response.content.decode()
    page = client.get(reverse("decisions:application", args=[reviewed.pk])).content.decode()
    assert "局长办公会 2026-04-20" in page and "局长、中小企业科" in page
    page = client.get(reverse("applications:review", args=[reviewed.pk])).content.decode()
    assert "局长办公会 2026-04-20" in page


# --- the 公示 candidate list -------------------------------------------------------------------------------

@pytest.fixture
def candidates(w, city, settings):
    """A: scored 72, on-site checked with one discrepancy left open, concluded 通过. B: verified, but its latest
    conclusion is 不通过."""
    settings.TIDU_NOW = "2026-04-02T10:00:00+08:00"
    a = testing.to_expert_reviewed(w, "a")
    check = a.onsite_checks.get()
    items = list(check.items.order_by("order"))
    onsite_services.item_decide(item=items[0], user=city, result=CheckItem.Result.MISMATCH, note="设备未到位")
    for item in items[1:]:
        onsite_services.item_decide(item=item, user=city, result=CheckItem.Result.CONFIRMED)
    onsite_services.check_complete(check=check, user=city)
    a.refresh_from_db()
    services.conclusion_record(application=a, user=city, outcome=PASS, reasons="符合要求")
    b = build.drive_to(testing.submit(w, "b"), State.ONSITE_VERIFIED)
    services.conclusion_record(application=b, user=city, outcome=FAIL, reasons="现场核查不符")
    publicity = publicity_services.publicity_create(
        call=w["call"], user=city, title="拟认定名单公示", start_date=dt.date(2026, 4, 3), working_days=5,
        contact_office="天门市经济和信息化局", contact_phone="0728-5221234")
    return {"a": a, "b": b, "publicity": publicity}


def test_the_candidate_list_shows_score_conclusion_and_open_discrepancies(client, candidates, city):
    publicity = candidates["publicity"]
    page = _login(client, city).get(reverse("publicity:manage_detail", args=[publicity.pk])).content.decode()
    assert "专家组总分" in page and "72" in page
    assert "天门市华楚精密机械有限公司：现场核查有 1 项不符尚未处理" in page
    assert "天门市岳口纺织有限公司：评审结论为“不通过”" in page
    assert f'name="application" value="{candidates["b"].pk}" disabled' in page
    assert "1 项未处理" in page and "局长办公会" not in page and "未附" in page


def test_adding_a_candidate_without_a_pass_is_refused_by_name(client, candidates, city):
    publicity = candidates["publicity"]
    with pytest.raises(Exception) as refused:
        publicity_services.publicity_add_entries(publicity=publicity, application_ids=[candidates["b"].pk], user=city)
    assert "天门市岳口纺织有限公司：评审结论为“不通过”" in str(refused.value)
    assert not publicity.entries.exists()
    response = _login(client, city).post(reverse("publicity:add_entries", args=[publicity.pk]),
                                         {"application": [candidates["a"].pk, candidates["b"].pk]}, follow=True)
    assert "只有评审结论为“通过”的申报才能列入公示" in response.content.decode()
    assert not publicity.entries.exists()
    publicity_services.publicity_add_entries(publicity=publicity, application_ids=[candidates["a"].pk], user=city)
    assert publicity.entries.count() == 1


def test_publishing_is_refused_when_a_listed_conclusion_turns_not_passed(client, candidates, city):
    publicity, a = candidates["publicity"], candidates["a"]
    publicity_services.publicity_add_entries(publicity=publicity, application_ids=[a.pk], user=city)
    services.conclusion_record(application=a, user=city, outcome=FAIL, reasons="集体决策认为不符")
    page = _login(client, city).get(reverse("publicity:manage_detail", args=[publicity.pk])).content.decode()
    assert "名单中有申报的评审结论不是“通过”" in page
    with pytest.raises(Exception, match="评审结论不是"):
        publicity_services.publicity_publish(publicity=publicity, user=city)


def test_the_completed_onsite_check_leads_to_the_conclusion(client, candidates, city):
    check = candidates["a"].onsite_checks.get()
    page = _login(client, city).get(reverse("onsite:check", args=[check.pk])).content.decode()
    assert "记录现场核查后的评审结论" in page and reverse("decisions:application", args=[candidates["a"].pk]) in page
