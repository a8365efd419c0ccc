"""Every page of every role fits a phone (390×844): no page scrolls sideways.

The full demo (load_demo) gives each role real content: enterprises with drafts, returned and submitted
applications, a township with enterprises to confirm and a 推荐名单, the city with its intake, expert reviews,
an on-site check and a 公示, experts with their tasks. For each demo login the test follows every same-site
link it can reach (pages only: no downloads, no log-out, no admin, no language switch) and asserts
``document.documentElement.scrollWidth <= window.innerWidth`` on each. The English intake table at 1280 px
keeps its action column in view too.
"""

import re
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from tidu.core.demo import DEMO_PASSWORD
from tidu.e2e.conftest import Quiet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROLES = ["huachu", "xinyuan", "chulv", "yuekou", "kaifaqu", "city", "expert1"]
# Links that are not pages to look at: files, the log-out, the admin, the language switch and the static files.
SKIP = re.compile(r"^/(admin/|i18n/|static/|media/|accounts/logout)|/(download|pdf|docx|xlsx|csv|export|file)"
                  r"(/|$|\?)|\.(pdf|docx|xlsx|csv|zip|json)(\?|$)")
MAX_PAGES_PER_ROLE = 60
WIDTH_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# The elements wider than the window, to name in a failure.
CULPRITS_SCRIPT = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.getClientRects().length)
  .slice(-4).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 30))"""
# Table captions squeezed into a column a few characters wide (a stacked table's caption once was: one
# character per line).
NARROW_CAPTIONS_SCRIPT = """() => Array.from(document.querySelectorAll('main caption'))
  .filter(c => c.getClientRects().length && c.textContent.trim().length > 4
          && c.getBoundingClientRect().width < window.innerWidth / 3)
  .map(c => 'CAPTION ' + c.textContent.trim().slice(0, 30))"""


@pytest.fixture
def demo_world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", stdout=Quiet())


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', DEMO_PASSWORD)
    with page.expect_navigation():
        page.click('form button[type="submit"]')
    assert "/accounts/login/" not in page.url, f"{username} could not log in"


def same_site_links(page, origin) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        href = urldefrag(href)[0]
        parsed = urlparse(href)
        if f"{parsed.scheme}://{parsed.netloc}" != origin or (parsed.query and "page=" not in parsed.query):
            continue
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if not SKIP.search(path):
            paths.append(path)
    return paths


def crawl(page, origin, start="/") -> dict[str, tuple[int, int, list]]:
    """Visit every page reachable from ``start``; answer the pages that scroll sideways."""
    seen, queue, too_wide = set(), [start], {}
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            response = page.goto(path)
        except PlaywrightError as error:  # a link to a file: the browser downloads it
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        scroll_width, inner_width = page.evaluate(WIDTH_SCRIPT)
        if scroll_width > inner_width:
            too_wide[path] = (scroll_width, inner_width, page.evaluate(CULPRITS_SCRIPT))
        narrow = page.evaluate(NARROW_CAPTIONS_SCRIPT)
        if narrow:
            too_wide[path] = (scroll_width, inner_width, narrow)
        queue.extend(link for link in same_site_links(page, origin) if link not in seen)
    assert len(seen) >= 3, f"only {sorted(seen)} reached: the crawl found no pages"
    return too_wide


def test_every_page_of_every_role_fits_a_phone(browser, live_server, demo_world):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    failures = {}
    try:
        failures["(anonymous)"] = crawl(page, live_server.url)
        for username in ROLES:
            log_in(page, username)
            failures[username] = crawl(page, live_server.url)
        # The step bar collapses to "第 n/9 步" with the parts behind it; the verdict is one tap away.
        log_in(page, "xinyuan")
        page.goto("/applications/")
        with page.expect_navigation():
            page.get_by_role("link", name="继续填写").first.click()
        summary = page.locator(".stepper-compact summary")
        assert summary.is_visible() and re.match(r"第 \d+/\d+ 步：", summary.inner_text()), summary.inner_text()
        assert not page.locator(".stepper ol").is_visible()
        summary.click()
        assert page.locator(".stepper-compact li").count() == 9
        assert page.locator(".stepper-verdict").is_visible()
    finally:
        context.close()
    failures = {who: pages for who, pages in failures.items() if pages}
    assert not failures, "pages wider than a 390 px phone, or with a squeezed caption:\n" + "\n".join(
        f"{who} {path}: {sw}px {culprits}" for who, pages in failures.items()
        for path, (sw, _, culprits) in pages.items())


def test_english_intake_table_keeps_its_actions_in_view(browser, live_server, demo_world):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900},
                                  base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, "city")
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto("/review/intake/")
        assert page.locator("table.app-list tbody tr").count() > 0
        scroll_width, inner_width = page.evaluate(WIDTH_SCRIPT)
        assert scroll_width <= inner_width, f"the English intake page is {scroll_width}px wide"
        hidden = page.evaluate("""() => Array.from(document.querySelectorAll('.table-scroll'))
            .filter(box => box.scrollWidth > box.clientWidth).map(box => box.scrollWidth - box.clientWidth)""")
        assert not hidden, f"part of the intake table is scrolled out of view: {hidden} px"
    finally:
        context.close()
