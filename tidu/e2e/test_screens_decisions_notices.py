"""Screenshots for the README (docs/screenshots/): the city's 不予认定 page and its 操作日志, the notification
channels page, and an enterprise's notices page in English at 1280 px and on a 390 px phone (no sideways
scrolling). The outcome letter's notice is translated from its source sentences when shown."""

import pytest
from django.urls import reverse

from tidu import testing as t
from tidu.applications.workflow import State
from tidu.decisions.tests.test_letters import LETTER_NOTICES_EN

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call = t.load_call()
    unit = t.unit("竟陵街道办事处")
    t.officer(unit, "jingling_screens")
    company = t.enterprise(unit, "天门市华楚精密机械有限公司")
    t.enterprise_user(company, "huachu_screens")
    t.city_officer("city_screens")
    application = t.application(company, call=call, filled=True)
    t.drive_to(application, State.EXPERT_REVIEWED)
    t.conclude(application, outcome="fail", reasons="场景建设不足，未达到基础级要求")
    return application


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', t.PASSWORD)
    with page.expect_navigation():
        page.click('form button[type="submit"]')


def test_decision_records_channels_and_english_notices(page, world, screenshot, live_server):
    application = world
    log_in(page, "city_screens")
    page.goto(reverse("decisions:application", args=[application.pk]))
    assert "不予认定" in page.content()
    screenshot(page, "23-city-decision-not-recognised")

    page.fill("#id_reject_reason", "评审结论不通过：场景建设不足，未达到基础级要求")
    with page.expect_navigation():
        page.locator("#id_reject_reason").locator("xpath=ancestor::form").locator("button").click()
    application.refresh_from_db()
    assert application.status == State.NOT_RECOGNISED
    t.deliver_pending()
    t.deliver_pending()

    page.goto(reverse("records:call_log", args=[application.call_id]))
    assert "不予认定" in page.content()
    screenshot(page, "24-city-operation-log")

    page.goto(reverse("notifications:channels"))
    screenshot(page, "25-notification-channels")

    log_in(page, "huachu_screens")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    with t.english(LETTER_NOTICES_EN):
        page.goto(reverse("notifications:list"))
        text = page.locator("main").inner_text()
        assert "Smart factory non-recognition letter" in text
        scroll, inner = page.evaluate(WIDTH_SCRIPT)
        assert scroll <= inner
        screenshot(page, "26-notices-english")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        scroll, inner = page.evaluate(WIDTH_SCRIPT)
        assert scroll <= inner, f"the notices page scrolls sideways at 390 px ({scroll} > {inner})"
        screenshot(page, "26-notices-english-390")
