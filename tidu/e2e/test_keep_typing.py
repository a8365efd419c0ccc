"""Nothing typed is lost when the session ends mid-edit (issue 11).

华楚 types into a section; the session ends (its cookie is gone, as after a log-out in another tab or a
timeout); the next autosave answers 401. The page stays put, says so and offers a login link that comes back
here; after logging in again the text is back in the field, with a message, and autosave stores it.
"""

import re

import pytest

from tidu.applications.models import ApplicationSection
from tidu.core.demo import DEMO_PASSWORD
from tidu.e2e.conftest import autosave_idle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "设立智能制造推进办公室，总经理任主任，每月例会评估设备联网与排产系统的运行情况。"
WAIT = 30000


@pytest.fixture
def draft(huachu_draft):
    return huachu_draft


def log_in_here(page):
    page.fill('input[name="username"]', "huachu")
    page.fill('input[name="password"]', DEMO_PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form button[type="submit"]')


def test_text_typed_when_the_session_ends_is_back_after_logging_in(page, draft):
    url = f"/applications/{draft.pk}/organisation/"
    page.goto(url)
    log_in_here(page)
    assert page.url.endswith(url), page.url
    field = page.locator('#section-form [name="description"]')

    # The session ends in another tab; the text typed now can no longer be saved.
    session = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert session
    page.context.clear_cookies(name="sessionid")
    field.fill(TEXT)
    # Leaving the field is what a person does (and it fires the change the autosave listens to); a synthetic
    # change with the focus still in the field left a second autosave to fire when the link was clicked.
    field.blur()
    notice = page.locator("#draft-notice")
    notice.get_by_role("link").wait_for(timeout=WAIT)
    autosave_idle(page)
    assert "登录已过期" in notice.inner_text()
    # Another refused autosave leaves the link as it is: one replaced while it is being pressed gets no click.
    page.evaluate("""() => { window.reloginLink = document.querySelector('#draft-notice a'); window.answers = 0;
                             document.addEventListener('htmx:beforeOnLoad', () => { window.answers += 1; }); }""")
    field.dispatch_event("change")
    page.wait_for_function("() => window.answers >= 1", timeout=WAIT)
    assert page.evaluate("window.reloginLink.isConnected"), "the notice was rebuilt by the second refusal"
    assert page.url.endswith(url), "the page jumped away"
    assert field.input_value() == TEXT

    # Log in again from the link: it does not ask "leave this page?" (the text is kept in this browser), and
    # back on the same page the text is restored and saved.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    with page.expect_navigation(timeout=WAIT):
        notice.get_by_role("link").click()
    assert dialogs == [], dialogs
    log_in_here(page)
    assert page.url.endswith(url), page.url
    assert page.locator('#section-form [name="description"]').input_value() == TEXT
    assert "已恢复您上次未保存的内容" in page.locator("#draft-notice").inner_text()
    page.locator(".autosave-ok").wait_for(timeout=WAIT)
    saved = ApplicationSection.objects.get(application=draft, key="organisation")
    assert saved.data.get("description") == TEXT


def test_save_and_continue_with_an_error_stays_with_a_summary_linking_to_the_field(page, draft):
    url = f"/applications/{draft.pk}/basic/"
    page.goto(url)
    log_in_here(page)
    page.fill('#section-form [name="contact_phone"]', "12")
    with page.expect_navigation(timeout=WAIT):
        page.click('#section-form button[name="go"][value="next"]')
    assert f"{url}?check=1" in page.url, page.url  # still on 基本信息, not the next part
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "请填写有效的手机号或固定电话" in summary.inner_text()
    summary.get_by_role("link", name=re.compile("联系电话|手机")).first.click()
    assert page.evaluate("document.activeElement.id") == "id_contact_phone"
    assert page.locator("#id_contact_phone").input_value() == "12"  # kept as typed
