"""Walking issue 14's pages as their users, in Chinese and in English, at 1280 px and on a 390 px phone: the
enterprise's readiness and benchmark, the city's 梯度培育库 distribution and benchmark, the expert's scoring
screen with the peer card. No page scrolls sideways; in English the conditions' results are worded in English.
Screenshots go to docs/screenshots/ (readiness-*, benchmark-*)."""

import pytest

from tidu import testing as build
from tidu.applications.models import Application
from tidu.experts import services as expert_services
from tidu.experts import testing
from tidu.readiness import services as readiness_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30000
WIDTH_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# The shots kept in docs/screenshots/ (the others are taken under the test's tmp_path, to look at when it fails).
KEPT = {"readiness-enterprise-en-1280", "readiness-city-zh-1280", "readiness-city-zh-390", "benchmark-city-zh-1280",
        "benchmark-enterprise-en-390", "benchmark-expert-zh-1280", "benchmark-expert-zh-390"}


@pytest.fixture
def peers(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    w = testing.world()
    a = testing.to_formal_passed(w, "a")
    b = testing.submit(w, "b")
    build.set_kpis(a, {"K01": 40.0, "K07": 12.5})
    build.set_kpis(b, {"K01": 10.0})
    build.peer_applications(a, [{"K01": 20.0}, {"K01": 30.0}, {"K01": 50.0}])
    Application.objects.filter(call=w["call"]).update(tier="advanced")
    assignment, = expert_services.assign_experts(application=a, user=w["users"]["city"], experts=[w["experts"]["e1"]])
    readiness_services.start_snapshot_run(w["users"]["city"])
    return {"w": w, "application": a, "assignment": assignment}


def login(page, username, language):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', build.PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form button[type="submit"]')
    if language != "zh-hans":
        with page.expect_navigation(timeout=WAIT):
            page.select_option('select[name="language"]', language)  # the header's switch submits itself


def visit(page, url, shot, screenshot, language, elsewhere):
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        scroll, inner = page.evaluate(WIDTH_SCRIPT)
        assert scroll <= inner, f"{url} scrolls sideways at {width} px in {language} ({scroll} > {inner})"
        name = f"{shot}-{language}-{width}"
        if name in KEPT:
            screenshot(page, name)
        else:
            page.screenshot(path=str(elsewhere / f"{name}.png"), full_page=True)
    return page.locator("main").inner_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_walk_the_readiness_and_benchmark_pages(page, live_server, peers, screenshot, language, tmp_path):
    lang = "zh" if language == "zh-hans" else "en"
    application = peers["application"]
    login(page, "ent_a", language)
    text = visit(page, "/readiness/", "readiness-enterprise", screenshot, lang, tmp_path)
    if lang == "en":  # the results are worded in English at display, not read from the stored snapshot
        assert "Met: " in text and "符合：" not in text and "不符合：" not in text
    visit(page, f"/benchmark/applications/{application.pk}/", "benchmark-enterprise", screenshot, lang, tmp_path)

    login(page, "city", language)
    text = visit(page, "/readiness/city/", "readiness-city", screenshot, lang, tmp_path)
    visit(page, "/benchmark/", "benchmark-city", screenshot, lang, tmp_path)

    login(page, "e1", language)
    page.goto("/experts/mine/")
    with page.expect_navigation(timeout=WAIT):
        page.locator("main a", has_text="天门市华楚精密机械有限公司").first.click()
    visit(page, page.url, "benchmark-expert", screenshot, lang, tmp_path)
