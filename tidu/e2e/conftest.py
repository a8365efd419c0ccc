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


def autosave_idle(page):
    """Wait until no autosave of the section form is in flight. Its answer re-renders the message under every
    field, which moves the fields: a click aimed just before the answer lands beside its target (seen under CI
    load), so tests that click field after field wait for it between clicks."""
    page.wait_for_function("() => !document.querySelector('#section-form.htmx-request')")


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


class Quiet:
    """A stdout for the demo loaders that keeps their progress lines out of the test output."""

    def write(self, *args, **kwargs):
        pass


def load_demo_base(settings, tmp_path, *, now: str | None = None, enterprises: bool = True) -> None:
    """The policy packs and the demo's units and accounts (and its enterprises), media in ``tmp_path``, the clock
    at ``now``: the set-up most browser tests start from before building their own story through the services."""
    from django.core.management import call_command

    settings.MEDIA_ROOT = str(tmp_path / "media")
    if now is not None:
        settings.TIDU_NOW = now
    call_command("load_policy", verbosity=0)
    modules = ("tidu.core.demo", "tidu.accounts.demo") + (("tidu.enterprises.demo",) if enterprises else ())
    for module in modules:
        __import__(module, fromlist=["load"]).load(Quiet())


@pytest.fixture
def huachu_draft(settings, tmp_path):
    """华楚's fresh (empty) draft of the 2026 call, on 2026-02-20 (inside the call window)."""
    from tidu.accounts.models import User
    from tidu.applications import services as application_services
    from tidu.enterprises.models import Enterprise
    from tidu.policy.models import Call

    load_demo_base(settings, tmp_path, now="2026-02-20T10:00:00+08:00")
    owner = User.objects.get(username="huachu")
    enterprise = Enterprise.objects.get(organisation=owner.organisation)
    return application_services.application_start(
        enterprise=enterprise, call=Call.objects.get(code="tianmen-2026-basic"), tier="basic", user=owner)
