"""公示 practice: a period under 5 working days needs a confirmed reason; the public notice carries its own dates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tidu.publicity import services
from tidu.publicity.errors import PublicityError
from tidu.publicity.tests.conftest import BEFORE, DURING, START, make_publicity, moment_setting
from tidu.testing import AuditSince as Audit

CONTACT = {"contact_office": "天门市经济和信息化局（中小企业科）", "contact_phone": "0728-5221234"}


def test_a_short_period_without_a_reason_is_refused(call, city):
    with pytest.raises(PublicityError, match="少于通常的 5 个工作日"):
        services.publicity_create(call=call, user=city, title="公示", start_date=START, working_days=1, **CONTACT)


def test_a_short_period_with_a_reason_is_recorded_and_shown(client, call, city, settings):
    audit = Audit()
    publicity = services.publicity_create(call=call, user=city, title="公示", start_date=START, working_days=3,
                                          short_period_reason="省厅要求 4 月 10 日前报送认定名单", **CONTACT)
    assert audit.one("publicity").detail["short_period_reason"] == "省厅要求 4 月 10 日前报送认定名单"
    client.force_login(city)
    page = client.get(reverse("publicity:manage_detail", args=[publicity.pk])).content.decode()
    assert "公示期 3 个工作日，少于通常的 5 个工作日，经确认的理由：" in page
    assert "省厅要求 4 月 10 日前报送认定名单" in page
    # Back to 5 days: the reason no longer applies and is cleared.
    services.publicity_update(publicity=publicity, user=city, working_days=5)
    publicity.refresh_from_db()
    assert publicity.short_period_reason == ""


def test_the_form_asks_for_the_reason_and_its_confirmation(client, call, city, settings):
    settings.TIDU_NOW = moment_setting(BEFORE)
    client.force_login(city)
    data = {"call": call.pk, "title": "公示", "start_date": START.isoformat(), "working_days": "2", **CONTACT}
    response = client.post(reverse("publicity:create"), data)
    assert response.status_code == 200 and "少于通常的 5 个工作日，请填写理由" in response.content.decode()
    response = client.post(reverse("publicity:create"), {**data, "short_period_reason": "时间紧"})
    assert "请勾选确认公示期少于 5 个工作日" in response.content.decode()
    response = client.post(reverse("publicity:create"), {**data, "short_period_reason": "时间紧",
                                                         "short_period_confirmed": "on"})
    assert response.status_code == 302
    assert call.publicities.get().short_period_reason == "时间紧"


def test_the_public_notice_is_dated_with_its_own_start_date(client, world, verified, city, settings):
    publicity = make_publicity(world["call"], city, verified.values())
    services.publicity_publish(publicity=publicity, user=city, now=BEFORE)  # published_at: the real clock
    settings.TIDU_NOW = moment_setting(DURING)
    page = client.get(reverse("publicity:public_detail", args=[publicity.pk])).content.decode()
    assert '<p class="notice-sign">天门市经济和信息化局（中小企业科）<br>2026年4月3日</p>' in page
