"""End-to-end tests: a real Chromium (Debian's package) driven by Playwright against a live server."""

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium_path() -> str | None:
    explicit = os.environ.get("TIDU_CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if executable is None:
        message = "未找到 Chromium：apt-get install chromium（或设 TIDU_CHROMIUM）后再运行端到端测试"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                  base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    # Every browser test also checks that nothing broke the Content-Security-Policy (settings.py): Chromium
    # reports each refused script, style or handler on the console.
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under docs/screenshots/ (referenced from the README)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)

    return take
