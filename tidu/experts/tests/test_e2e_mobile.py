"""Phone-sized pages in a real browser (Chromium, 375 px wide): the live total and the on-site checklist.

Marked e2e (needs Debian's chromium, or TIDU_CHROMIUM); skipped when no browser is installed. The browser
runs in a worker thread with its own Playwright instance, so it does not clash with the session-wide one
of ``tidu/e2e`` when the whole suite runs.
"""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tidu.experts import services, testing
from tidu.onsite import services as onsite_services
from tidu.onsite.models import OnsiteCheck

pytestmark = pytest.mark.e2e
PASSWORD = "pw-not-used-123"


def _executable():
    return os.environ.get("TIDU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def in_phone(base_url, username, steps):
    """Log ``username`` in on a 375-px-wide page and run ``steps(page)`` in a fresh thread; returns its result."""

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=_executable(), args=["--no-sandbox", "--disable-gpu"])
            try:
                context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN",
                                              base_url=base_url)
                page = context.new_page()
                page.set_default_timeout(15000)
                page.goto("/accounts/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                return steps(page)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_live_total_and_checklist_on_a_phone(transactional_db, live_server, settings, tmp_path):
    if _executable() is None:
        pytest.skip("未找到 Chromium")
    settings.MEDIA_ROOT = tmp_path / "media"
    w = testing.world()
    application = testing.to_formal_passed(w, "a")
    assignment = services.assign_experts(application=application, user=w["users"]["city"],
                                         experts=[w["experts"]["e1"]])[0]
    third = assignment.rubric.criteria.all()[2].pk

    def score(page):
        seen = {}
        page.goto(f"/experts/mine/{assignment.pk}/")
        seen["width"] = _width(page)
        boxes = page.locator("input.score-input")
        boxes.nth(0).fill("10")
        boxes.nth(1).fill("20.5")
        seen["total"] = page.text_content("#live-total")
        boxes.nth(2).fill("25")  # above the maximum of 20: flagged, not counted
        seen["total_with_error"] = page.text_content("#live-total")
        seen["message"] = page.text_content(f"#msg-c-{third}")
        boxes.nth(2).fill("15")
        page.click("button[value=save]")
        page.wait_for_load_state()
        seen["saved"] = page.content()
        return seen

    seen = in_phone(live_server.url, "e1", score)
    assert seen["width"] <= 375
    assert (seen["total"], seen["total_with_error"]) == ("30.5", "30.5")
    assert "不能超过该项满分 20 分" in seen["message"]
    assert "草稿已保存，当前合计 45.5 分" in seen["saved"]

    testing.submit_scores(assignment)
    services.review_complete(application=application, user=w["users"]["city"], quorum_override_reason="手机端演示：一位专家")
    check = OnsiteCheck.objects.get(application=application)
    onsite_services.inspectors_set(check=check, user=w["users"]["city"], inspectors=[w["experts"]["e1"]])
    item = check.items.first()

    def inspect(page):
        page.goto(f"/onsite/{check.pk}/")
        width = _width(page)
        card = page.locator(f"#item-{item.pk}")
        card.locator("input[value=mismatch]").check()
        card.locator("textarea[name=note]").fill("现场未见该场景")
        card.locator("button[type=submit]").first.click()
        page.wait_for_load_state()
        return width

    assert in_phone(live_server.url, "e1", inspect) <= 375
    item.refresh_from_db()
    assert (item.result, item.note) == ("mismatch", "现场未见该场景")
