"""An enterprise opens its readiness from the 工作台: the radar of the five construction domains and the gap list to
先进级 (the missing 运营管理 domain with its 环节 and typical scenarios), at 1280 px and on a 390 px phone
without sideways scrolling; it keeps a snapshot and the city sees it counted in the distribution."""

import pytest

from tidu import testing as t

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call = t.load_call()
    unit = t.unit("竟陵街道办事处")
    company = t.enterprise(unit, "天门市华楚精密机械有限公司")
    t.enterprise_user(company, "huachu_ready")
    t.application(company, call=call, filled=True)
    t.city_officer("city_ready")
    return company


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', t.PASSWORD)
    with page.expect_navigation():
        page.click('form button[type="submit"]')


def test_enterprise_sees_its_radar_and_gap_list_on_desktop_and_phone(page, world, screenshot):
    log_in(page, "huachu_ready")
    page.goto("/accounts/dashboard/")
    with page.expect_navigation():
        page.locator("#readiness-link").click()
    radar = page.locator("svg#readiness-radar")
    assert radar.is_visible()
    assert "运营管理" in radar.text_content() and "环节" in radar.text_content()
    gaps = page.locator(".gap-list")
    assert "尚未覆盖“运营管理”领域" in gaps.inner_text()
    assert "SC37 供应商数字化管理" in gaps.inner_text()
    assert "距先进级的差距" in page.locator("#gaps").inner_text()
    scroll, inner = page.evaluate(WIDTH_SCRIPT)
    assert scroll <= inner
    screenshot(page, "readiness-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("svg#readiness-radar").is_visible()
    assert page.locator(".gap-list").is_visible()
    scroll, inner = page.evaluate(WIDTH_SCRIPT)
    assert scroll <= inner, f"the page scrolls sideways at 390 px ({scroll} > {inner})"
    screenshot(page, "readiness-390")

    with page.expect_navigation():
        page.get_by_role("button", name="保存今天的诊断快照").click()
    assert "已保存" in page.content()

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "city_ready")
    page.goto("/readiness/city/")
    assert page.locator("svg#readiness-distribution").is_visible()
    assert "天门市华楚精密机械有限公司" in page.locator("main").inner_text()


def test_enterprise_without_an_application_fills_the_readiness_form_on_a_phone(page, world):
    unit = world.organisation.parent
    bare = t.enterprise(unit, "天门市新源科技有限公司")
    t.enterprise_user(bare, "xinyuan_ready")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "xinyuan_ready")
    page.goto("/readiness/")
    assert "距基础级的差距" in page.locator("#gaps").inner_text()
    with page.expect_navigation():
        page.locator("#profile-link").click()
    scroll, inner = page.evaluate(WIDTH_SCRIPT)
    assert scroll <= inner, f"the form scrolls sideways at 390 px ({scroll} > {inner})"
    page.select_option("#id_maturity_level", "2")
    page.select_option("#id_scope", "车间级")
    page.locator("#row-scenarios").get_by_label("SC24", exact=False).check()
    page.locator("#row-ai_scenarios").get_by_label("SC24", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "已保存就绪度自评信息" in page.content()
    assert "生产作业覆盖 1/3 个环节" in page.locator("svg#readiness-radar desc").text_content()
    assert "尚未覆盖“生产作业”领域" not in page.locator(".gap-list").inner_text()
    scroll, inner = page.evaluate(WIDTH_SCRIPT)
    assert scroll <= inner
