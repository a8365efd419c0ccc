"""Submitting: blockers, the idempotent submit form, receipts, the call window's boundaries, status page."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tidu.applications import services
from tidu.applications.models import Submission
from tidu.applications.testing import fill_complete_application
from tidu.applications.tests.conftest import login

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def submit_url(application):
    return reverse("applications:submit", args=[application.pk])


def key_on_page(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)


# --- the review page ---------------------------------------------------------------------------------

def test_incomplete_application_lists_blockers_naming_sections(client, users, app_a, frozen_now):
    login(client, users["a"])
    page = client.get(submit_url(app_a)).content.decode()
    assert "暂不能提交" in page
    assert "“基本信息”尚未完成" in page and "“成熟度自评估”尚未完成" in page and "未上传自评估报告" in page
    assert "idempotency_key" not in page


def test_refused_when_one_section_is_incomplete(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    row = app_a.sections.get(key="organisation")
    services.application_section_save(application=app_a, key="organisation", data={**row.data, "talent_count": ""},
                                      base_revision=row.revision, user=users["a"])
    with pytest.raises(services.ApplicationError) as refused:
        services.application_submit(application=app_a, user=users["a"], idempotency_key="k")
    assert any("“组织机制与人才”尚未完成（1 项未填）" in d for d in refused.value.details)
    login(client, users["a"])
    page = client.get(submit_url(app_a)).content.decode()
    assert "“组织机制与人才”尚未完成（1 项未填）" in page
    response = client.post(submit_url(app_a), {"idempotency_key": "manual-key"})
    assert response.status_code == 400
    assert "暂不能提交" in response.content.decode()
    assert not Submission.objects.exists()


def test_refused_while_the_enterprise_is_unconfirmed(client, users, app_c, frozen_now):
    fill_complete_application(app_c, users["c"])
    login(client, users["c"])
    page = client.get(submit_url(app_c)).content.decode()
    assert "企业尚未经所属乡镇（办事处、农场、开发区）确认" in page
    response = client.post(submit_url(app_c), {"idempotency_key": "k-unconfirmed"})
    assert response.status_code == 400
    assert "企业尚未经所属乡镇" in response.content.decode()
    app_c.refresh_from_db()
    assert app_c.status == "draft" and not app_c.submissions.exists()


def test_complete_application_gets_a_form_with_a_fresh_idempotency_key(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    first = key_on_page(client.get(submit_url(app_a)).content.decode())
    second = key_on_page(client.get(submit_url(app_a)).content.decode())
    assert first != second


# --- submitting through the page -----------------------------------------------------------------------

def test_submit_redirects_to_the_receipt_and_a_double_post_gives_the_same_receipt(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    key = key_on_page(client.get(submit_url(app_a)).content.decode())
    first = client.post(submit_url(app_a), {"idempotency_key": key})
    second = client.post(submit_url(app_a), {"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    submission = Submission.objects.get()
    assert first["Location"] == reverse("applications:receipt", args=[app_a.pk, submission.number])
    app_a.refresh_from_db()
    assert app_a.status == "submitted"
    assert list(app_a.events.order_by("id").values_list("action", flat=True)) == ["create", "submit"]

    page = client.get(first["Location"]).content.decode()
    assert submission.number in page and submission.number.startswith("TIANMEN-2026-BASIC-")
    assert "2026年3月10日 10:30:00（北京时间）" in page
    assert submission.content_sha256 in page
    assert "李强" in page  # the attester (承诺人)
    assert "符合申报条件" in page


def test_a_second_key_after_success_is_refused_because_already_submitted(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    client.post(submit_url(app_a), {"idempotency_key": "key-one"})
    response = client.post(submit_url(app_a), {"idempotency_key": "key-two"})
    assert response.status_code == 400
    assert "申报当前状态为“已提交，待乡镇审核”，不能提交" in response.content.decode()
    assert Submission.objects.count() == 1


def test_missing_or_foreign_key_is_refused(client, users, app_a, app_b, frozen_now):
    fill_complete_application(app_a, users["a"])
    fill_complete_application(app_b, users["b"])
    services.application_submit(application=app_b, user=users["b"], idempotency_key="b-key")
    login(client, users["a"])
    response = client.post(submit_url(app_a), {"idempotency_key": ""})
    assert response.status_code == 400 and "提交标识无效" in response.content.decode()
    response = client.post(submit_url(app_a), {"idempotency_key": "b-key"})  # B's receipt is never shown to A
    assert response.status_code == 400 and "提交标识无效" in response.content.decode()
    assert Submission.objects.count() == 1


def test_outside_the_window_the_page_explains(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    frozen_now(dt.datetime(2026, 3, 16, 0, 0, tzinfo=BEIJING))
    login(client, users["a"])
    page = client.get(submit_url(app_a)).content.decode()
    assert "不在申报时间" in page and "2026年3月16日 00:00（北京时间）" in page


# --- the window boundaries, in Beijing time and in UTC ----------------------------------------------------

BOUNDARIES = [
    (dt.datetime(2026, 1, 21, 23, 59, 59, tzinfo=BEIJING), False),
    (dt.datetime(2026, 1, 22, 0, 0, tzinfo=BEIJING), True),
    (dt.datetime(2026, 3, 15, 23, 59, 59, tzinfo=BEIJING), True),
    (dt.datetime(2026, 3, 16, 0, 0, tzinfo=BEIJING), False),
    (dt.datetime(2026, 1, 21, 15, 59, 59, tzinfo=UTC), False),
    (dt.datetime(2026, 1, 21, 16, 0, tzinfo=UTC), True),
    (dt.datetime(2026, 3, 15, 15, 59, 59, tzinfo=UTC), True),
    (dt.datetime(2026, 3, 15, 16, 0, tzinfo=UTC), False),
]


@pytest.mark.parametrize("moment,accepted", BOUNDARIES, ids=[m.isoformat() for m, _ in BOUNDARIES])
def test_submission_window_boundaries(app_a, users, moment, accepted):
    fill_complete_application(app_a, users["a"])
    if accepted:
        submission = services.application_submit(application=app_a, user=users["a"], idempotency_key="w", now=moment)
        assert submission.submitted_at == moment
        assert submission.verdict["eligible"] is True
        app_a.refresh_from_db()
        assert app_a.status == "submitted"
    else:
        with pytest.raises(services.ApplicationError) as refused:
            services.application_submit(application=app_a, user=users["a"], idempotency_key="w", now=moment)
        assert any("不在申报时间" in detail for detail in refused.value.details)
        assert not Submission.objects.exists()


# --- status page ---------------------------------------------------------------------------------------

def test_status_page_for_a_draft(client, users, app_a, frozen_now):
    login(client, users["a"])
    page = client.get(reverse("applications:status", args=[app_a.pk])).content.decode()
    assert "草稿" in page and "创建申报草稿" in page
    assert "企业申报截止" in page and "2026年3月15日 24:00" in page and "还剩 5 天" in page
    assert "完成“基本信息”" in page and "全部完成后提交申报" in page
    assert "尚未提交" in page


def test_status_page_after_submission(client, users, submitted_a, frozen_now):
    login(client, users["a"])
    page = client.get(reverse("applications:status", args=[submitted_a.pk])).content.decode()
    submission = submitted_a.submissions.get()
    assert "已提交，待乡镇审核" in page
    assert submission.number in page and "2026-03-10 10:30:00" in page
    assert "审核推荐（乡镇推荐截止 2026年3月1日 24:00）" in page
    assert "提交申报" in page and "华楚填报员" in page


def test_status_page_when_the_application_has_ended(client, users, submitted_a):
    login(client, users["x"])
    client.post(reverse("applications:review", args=[submitted_a.pk]),
                {"action": "township_not_recommend", "reason": "近三年有环保处罚"})
    login(client, users["a"])
    page = client.get(reverse("applications:status", args=[submitted_a.pk])).content.decode()
    assert "本批次申报已结束：乡镇不予推荐（意见：近三年有环保处罚）" in page
    assert "岳口" not in page and "竟陵经办人" in page  # who acted, from the event history
