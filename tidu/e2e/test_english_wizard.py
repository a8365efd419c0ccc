"""The 申报书 wizard in English, and 检查并提交 on a phone (issue 11).

An enterprise reading English walks every step: the labels, options, buttons and messages are English; only
the policy's own terms stay Chinese (listed below). Then 检查并提交 shows every section in English and the
submission goes through. The same page at 390×844 fits the screen, shows every section's summary and submits.
"""

import re

import pytest

from tidu.accounts.models import User
from tidu.applications.models import Submission
from tidu.core.demo import DEMO_PASSWORD
from tidu.e2e.conftest import SCREENSHOT_DIR, autosave_idle
from tidu.testing import fill_complete_application

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30000
CJK = re.compile(r"[\u4e00-\u9fff]")
# Policy terms that stay Chinese in English (the pack's own words): clause names (申报条件1–9), scenario and
# KPI names from the catalogue (SC01…, K01…, the KPI categories' (一)…(五) and names), the language's own
# name in the language menu, and the evidence slots the call pack declares (``uploads``: 自评估报告).
POLICY_TERMS = (re.compile(r"申报条件\d"), re.compile(r"\bSC\d\d\b"), re.compile(r"\bK\d\d\b"),
                re.compile(r"简体中文"), re.compile(r"[（(][一二三四五六七八九十]+[)）]"), re.compile(r"自评估报告"))
STEPS = ("basic", "conditions", "maturity", "scope", "scenarios", "equipment", "kpis", "organisation", "attestation")
CHROME = ("#section-form label, #section-form .label, #section-form legend, #section-form button, "
          "#section-form option, #section-form .help, .stepper a, .stepper summary, h1, h2, h3, .app-actions a")
WIDTH_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def draft(huachu_draft):
    return huachu_draft


def policy_words(application) -> list[str]:
    """The KPI catalogue's own words (category, indicator and input names, units): pack content, kept Chinese."""
    from tidu.policy.selectors import call_policy_for

    policy = call_policy_for(application.call)
    words = [c.get("name", "") for c in policy.kpi_categories.values()]
    for kpi in policy.kpi_map.values():
        words.append(kpi.get("name", ""))
        for spec in kpi["inputs"]:
            words += [str(spec.get(k, "")) for k in ("label", "name", "unit", "help")]
    return sorted((w for w in words if w), key=len, reverse=True)


def log_in(page, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill('input[name="username"]', "huachu")
    page.fill('input[name="password"]', DEMO_PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form button[type="submit"]')


def chinese_chrome(page, values=()) -> list[str]:
    """Visible labels, headings, buttons and options with Chinese in them, after removing the policy's terms
    and the values that are content (the enterprise's name, the call's title)."""
    texts = page.eval_on_selector_all(CHROME, "nodes => nodes.filter(n => n.offsetParent !== null || "
                                              "n.tagName === 'OPTION').map(n => n.innerText || n.textContent)")
    return [text.strip()[:80] for text in texts
            if CJK.search(without_terms(text, values)) and not re.match(r"^\s*SC\d\d ", text)]


def without_terms(text: str, values=()) -> str:
    for value in values:
        text = text.replace(value, "")
    for term in POLICY_TERMS:
        text = term.sub("", text)
    return text


def test_an_english_enterprise_fills_every_step_and_submits(browser, live_server, draft, screenshot):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, f"/applications/{draft.pk}/basic/")
        assert page.locator("h2, h3, legend, label").filter(has_text="Basic information").count() or \
            "Basic information" in page.inner_text("main")
        # 基本信息 in English, with an English error on save-and-continue
        page.check('#section-form input[name="legal_status"][value="legal_person"]') \
            if page.locator('#section-form input[name="legal_status"]').count() else \
            page.select_option('#section-form select[name="legal_status"]', "legal_person")
        autosave_idle(page)
        page.check('#section-form input[name="above_designated_size"][value="yes"]')
        autosave_idle(page)
        page.fill('#section-form [name="main_business_revenue_10k_yuan"]', "－5")
        page.fill('#section-form [name="competitiveness"]', "主导产品为精密阀门，国内市场占有率约 8%。")
        page.fill('#section-form [name="contact_name"]', "王立新")
        page.fill('#section-form [name="contact_phone"]', "12")
        with page.expect_navigation(timeout=WAIT):
            page.click('#section-form button[name="go"][value="next"]')
        summary = page.locator("#error-summary").inner_text()
        assert "Enter a valid mobile or landline number" in summary, summary
        assert "cannot be negative (－5 entered)" in summary, summary
        assert not CJK.search(summary.replace("－5", "")), summary
        for text in ("Legal status", "Independent legal person", "Industrial enterprise above designated size",
                     "Contact phone", "Main business revenue last year (10,000 yuan)"):
            assert text in page.inner_text("main"), text
        page.fill('#section-form [name="main_business_revenue_10k_yuan"]', "26800")
        page.fill('#section-form [name="contact_phone"]', "13872800001")
        with page.expect_navigation(timeout=WAIT):
            page.click('#section-form button[name="go"][value="next"]')
        assert page.url.endswith(f"/applications/{draft.pk}/conditions/"), page.url

        # Every step: English labels, options and buttons (policy terms excepted)
        for key in STEPS:
            page.goto(f"/applications/{draft.pk}/{key}/")
            values = (draft.enterprise.name, draft.call.title, *(policy_words(draft) if key == "kpis" else ()))
            assert not chinese_chrome(page, values), (key, chinese_chrome(page, values))
            if key == "conditions":
                assert "Willing to cooperate with on-site verification" in page.inner_text("main")
                # The first screen only: a full-page capture would paint the sticky 保存 bar mid-form.
                page.screenshot(path=str(SCREENSHOT_DIR / "20-wizard-conditions-english.png"))
            if key == "maturity":
                options = page.eval_on_selector_all('select[name="level"] option', "o => o.map(x => x.textContent)")
                assert "Level 3 (integrated)" in options, options

        # The rest is filled (as the enterprise would through these same forms), then checked and submitted
        fill_complete_application(draft, User.objects.get(username="huachu"))
        page.goto(f"/applications/{draft.pk}/submit/")
        main = page.inner_text("main")
        for text in ("Maturity self-assessment", "Assessment report date", "Scenarios built", "Supporting evidence",
                     "Declaration of truthfulness"):
            assert text in main, text
        assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b", main)
        labels = page.eval_on_selector_all(".answers-list dt, .answers summary strong, .submit-form button",
                                           "nodes => nodes.map(n => n.innerText)")
        words = (draft.enterprise.name, *policy_words(draft))
        chinese = [t for t in labels if CJK.search(without_terms(t, words))]
        assert labels and not chinese, chinese
        with page.expect_navigation(timeout=WAIT):
            page.click(".submit-form button[type=submit]")
        assert Submission.objects.filter(application=draft).count() == 1
    finally:
        context.close()


def test_check_your_answers_fits_a_phone_and_submits(browser, live_server, draft, screenshot):
    fill_complete_application(draft, User.objects.get(username="huachu"))
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server.url,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        url = f"/applications/{draft.pk}/submit/"
        log_in(page, url)
        assert page.url.endswith(url), page.url
        scroll_width, inner_width = page.evaluate(WIDTH_SCRIPT)
        assert scroll_width <= inner_width, f"检查并提交 is {scroll_width}px wide on a {inner_width}px phone"
        for key in STEPS:
            part = page.locator(f"#answers-{key}")
            if key == "kpis" and part.count() == 0:
                continue  # no KPI typed: nothing to summarise
            assert part.count() == 1, key
            part.locator("summary").scroll_into_view_if_needed()
            assert part.locator("summary").is_visible(), key
            box = part.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= inner_width + 1, (key, box)
        assert page.locator("#answers-evidence").is_visible()
        screenshot(page, "21-check-answers-phone")
        button = page.locator(".submit-form button[type=submit]")
        button.scroll_into_view_if_needed()
        with page.expect_navigation(timeout=WAIT):
            button.tap()
        assert Submission.objects.filter(application=draft).count() == 1
        assert "/receipt/" in page.url or "回执" in page.inner_text("main"), page.url
    finally:
        context.close()


def test_check_your_answers_at_desktop_width(page, live_server, draft, screenshot):
    fill_complete_application(draft, User.objects.get(username="huachu"))
    url = f"/applications/{draft.pk}/submit/"
    log_in(page, url)
    assert page.locator(".check-answers").is_visible()
    assert re.search(r"20\d\d年\d{1,2}月\d{1,2}日", page.inner_text(".check-answers"))
    screenshot(page, "22-check-answers-desktop")
