"""The whole review pipeline in a real browser, from the enterprise's submission to the published 认定名单.

华楚 submits; 岳口镇 returns it for revision (场景建设), 华楚 corrects that section and resubmits, 岳口镇 recommends
it, puts it on its 推荐名单 with an opinion, signs and sends the list before the township deadline. After the
deadline the city (市经信局) receives it, passes 形式审查, assigns two experts (a third is excluded by a declared
conflict of interest), each expert scores with the live total, the city completes expert review, decides every
item of the on-site checklist (on a phone-sized screen), publishes a 公示 that an anonymous visitor can read,
and after the period finalises: the 认定名单 lists 华楚 and the application is 已认定.

The demo clock (settings.TIDU_NOW) is moved forward between the stages as the real calendar would be.

Two more tests pin bugs found on the way (now fixed): the site menu on a phone, and the
推荐名单 naming a superseded receipt when a resubmission happens at the same (demo) moment.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.models import Submission
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import State
from tidu.core.demo import DEMO_PASSWORD
from tidu.e2e.conftest import load_demo_base
from tidu.enterprises.models import Enterprise
from tidu.experts import services as expert_services
from tidu.experts.models import Assignment, ExpertProfile, ExpertRelation, ExpertReviewResult
from tidu.onsite import services as onsite_services
from tidu.onsite.models import CheckItem, OnsiteCheck
from tidu.policy.models import Call
from tidu.publicity.models import Publicity, PublicityEntry
from tidu.review import services as review_services
from tidu.review.models import FormalReview, RecommendationList

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CALL_CODE = "tianmen-2026-basic"
COMPANY = "天门市华楚精密机械有限公司"
CREDIT_CODE = "91429006MA48T2K61A"
# The demo clock at each stage: inside the call window and before the township deadline (2026-03-01) ...
SUBMIT_TIME = "2026-02-20T10:00:00+08:00"
RETURN_TIME = "2026-02-23T09:30:00+08:00"
RESUBMIT_TIME = "2026-02-24T14:00:00+08:00"
RECOMMEND_TIME = "2026-02-26T10:00:00+08:00"
# ... and after it.
CITY_TIME = "2026-03-05T09:00:00+08:00"  # the township deadline has passed; the city works through its intake
RECEIPT = re.compile(r"TIANMEN-2026-BASIC-\d{6}")
WAIT = 30000  # ms: the longest any single explicit wait may take
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

RETURN_REASON = "SC24 在线视觉检测的描述过于笼统：请写明检测的尺寸项目、检测节拍和不良品剔除方式。"
NEW_SC24 = ("阀体 6 项关键尺寸（含密封面平面度）在线视觉检测，节拍 12 秒/件，"
            "不合格品由机械手自动剔除至隔离料箱并记录追溯码。")
OPINION = "企业为规上通用设备制造企业，机加车间已建成设备联网、在线视觉检测与高级排产，已按意见补正，同意推荐。"
# Points per criterion (the default rubric: 20, 30, 20, 10, 10, 10), one list per expert.
# 智能制造成熟度 is scored by level (0/5/10/20 only).
SCORES = {"expert1": ["10", "24.5", "16", "8", "8", "8"], "expert2": ["20", "22", "15", "7", "8", "7"]}
TOTALS = {"expert1": "74.5", "expert2": "79"}
CONTACT_PHONE = "0728-5221234"


# --- set-up --------------------------------------------------------------------------------------------

@pytest.fixture
def pipeline_world(settings, tmp_path):
    """Policy, the core/accounts/enterprises demo data, an expert pool, and 华楚's complete (unsubmitted) draft."""
    load_demo_base(settings, tmp_path, now=SUBMIT_TIME)
    city = User.objects.get(username="city")
    enterprise = Enterprise.objects.get(credit_code=CREDIT_CODE)
    # The expert pool (专家库): expert3 has declared a consulting relationship with 华楚, so is excluded from it.
    for username, title in (("expert1", "高级工程师"), ("expert2", "正高级工程师"), ("expert3", "高级经济师")):
        expert_services.profile_create(user=city, expert=User.objects.get(username=username),
                                       data={"title": title, "expertise": "智能制造", "employer_name": "武汉某高校"})
    expert_services.relation_declare(user=city, profile=ExpertProfile.objects.get(user__username="expert3"),
                                     enterprise=enterprise, kind=ExpertRelation.Kind.CONSULTING,
                                     note="2025 年为该企业提供申报咨询服务")
    owner = User.objects.get(username="huachu")
    application = application_services.application_start(
        enterprise=enterprise, call=Call.objects.get(code=CALL_CODE), tier="basic", user=owner)
    application = fill_complete_application(application, owner)
    assert application.status == State.DRAFT
    return application


# --- browser helpers -------------------------------------------------------------------------------------

def log_in(page, username, password=DEMO_PASSWORD):
    """Start a fresh session as ``username`` (whoever was logged in before is forgotten)."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation(timeout=WAIT):
        page.click('button:has-text("登录")')
    assert "/accounts/login/" not in page.url, f"{username} could not log in: {page.content()[-2000:]}"


def click_and_wait(page, target):
    """Click a locator (or selector) that submits a form or follows a link, and wait for the next page."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation(timeout=WAIT):
        locator.click()


def main_text(page) -> str:
    """What the page says (its messages and content, without the header and footer)."""
    return page.locator("main").inner_text(timeout=WAIT)


def set_clock(settings, moment: str):
    """Move the demo clock; the live server (same process) judges every rule at this time from now on."""
    settings.TIDU_NOW = moment


# --- the test ------------------------------------------------------------------------------------------

def test_review_pipeline_from_submission_to_recognition(page, browser, live_server, pipeline_world, settings,
                                                        screenshot, tmp_path):
    application = pipeline_world
    pk = application.pk

    # 1. 华楚 submits in the browser: one receipt.
    log_in(page, "huachu")
    page.goto(f"/applications/{pk}/submit/")
    click_and_wait(page, page.get_by_role("button", name="确认提交"))
    first_number = RECEIPT.search(page.content())
    assert first_number, "no receipt number on the receipt page"
    application.refresh_from_db()
    assert application.status == State.SUBMITTED
    assert Submission.objects.filter(application=application).count() == 1

    # 2a. 岳口镇 opens its dashboard and the application, and returns it for revision of 场景建设 only.
    set_clock(settings, RETURN_TIME)
    log_in(page, "yuekou")
    page.goto("/review/township/")
    row = page.locator("#add-form tr", has_text=COMPANY)
    assert "已提交，待乡镇审核" in row.inner_text()
    screenshot(page, "10-township-dashboard")
    click_and_wait(page, row.get_by_role("link", name="审核"))
    assert page.url.endswith(f"/applications/{pk}/review/")
    returning = page.locator("details.review-action", has=page.locator('input[value="township_return"]'))
    returning.locator("summary").click()
    returning.locator("#id-township_return-reason-scenarios").fill(RETURN_REASON)
    returning.locator("#reason-township_return").fill("请按意见补正后重新提交。")
    # the 2026 call sets no default 补正期限: the officer enters one
    returning.locator("#id-revision-due-township_return").fill("2026-02-27")
    click_and_wait(page, returning.get_by_role("button", name="退回补正"))
    assert f"已退回补正：{COMPANY}" in main_text(page)
    application.refresh_from_db()
    assert application.status == State.RETURNED
    assert application.returned_sections == {"scenarios": RETURN_REASON}
    assert application.return_to == State.SUBMITTED
    assert application.revision_due == dt.date(2026, 2, 27)

    # 2b. 华楚 sees the reason on that section, may not touch any other, corrects it and resubmits.
    set_clock(settings, RESUBMIT_TIME)
    log_in(page, "huachu")
    page.goto(f"/applications/{pk}/status/")
    assert "退回补正" in page.locator(".status-pill").first.inner_text()
    assert RETURN_REASON in main_text(page)
    assert "请于2026年2月27日前完成补正并重新提交" in main_text(page)
    page.goto(f"/applications/{pk}/basic/")
    assert "本部分不在退回补正范围内，不能修改" in main_text(page)
    assert page.get_by_role("button", name="保存", exact=True).count() == 0  # read-only: no save button
    page.goto(f"/applications/{pk}/scenarios/")
    assert RETURN_REASON in page.locator(".returned-reason").inner_text()
    sc24 = next(index for index, row in enumerate(application.sections.get(key="scenarios").data["scenarios"])
                if row["id"] == "SC24")
    description = page.locator(f'[name="scenarios-{sc24}-description"]')
    assert "在线视觉检测" in description.input_value()
    description.fill(NEW_SC24)
    click_and_wait(page, page.get_by_role("button", name="保存", exact=True))
    assert "已保存" in main_text(page)
    saved = application.sections.get(key="scenarios").data["scenarios"]
    assert saved[sc24]["description"] == NEW_SC24
    page.goto(f"/applications/{pk}/submit/")
    assert "补正后重新提交" in main_text(page)
    click_and_wait(page, page.get_by_role("button", name="确认重新提交"))
    latest_number = RECEIPT.search(page.content())
    assert latest_number and latest_number.group() != first_number.group()
    application.refresh_from_db()
    assert application.status == State.SUBMITTED  # back to where it was returned from
    assert application.returned_sections == {}
    latest = Submission.objects.get(number=latest_number.group())
    assert Submission.objects.filter(application=application).count() == 2
    assert latest.submitted_at == dt.datetime.fromisoformat(RESUBMIT_TIME)
    assert latest.snapshot["sections"]["scenarios"]["scenarios"][sc24]["description"] == NEW_SC24

    # 2c. 岳口镇 sees the corrected application again and recommends it.
    set_clock(settings, RECOMMEND_TIME)
    log_in(page, "yuekou")
    page.goto("/review/township/")
    row = page.locator("#add-form tr", has_text=COMPANY)
    assert "已提交，待乡镇审核" in row.inner_text() and "2026-02-24 14:00" in row.inner_text()
    click_and_wait(page, row.get_by_role("link", name="审核"))
    text = main_text(page)
    assert NEW_SC24 in text, "the township does not see the corrected 场景建设"
    assert "补正后重新提交" in text and RETURN_REASON in text  # the loop is in the record
    recommending = page.locator("details.review-action", has=page.locator('input[value="township_recommend"]'))
    recommending.locator("summary").click()
    recommending.locator("textarea").fill("经审核，补正内容属实，材料齐全，同意推荐。")
    click_and_wait(page, recommending.get_by_role("button", name="同意推荐"))
    assert f"已同意推荐：{COMPANY}" in main_text(page)
    application.refresh_from_db()
    assert application.status == State.TOWNSHIP_RECOMMENDED
    assert list(application.events.order_by("id").values_list("action", flat=True)) == [
        "create", "submit", "township_return", "resubmit", "township_recommend"]

    # 3. 岳口镇 puts it on its 推荐名单 with an opinion, signs (签发) and sends (报送) it before the deadline.
    page.goto("/review/township/")
    page.locator(f'#add-form input[name="application"][value="{pk}"]').check()
    click_and_wait(page, page.get_by_role("button", name="将勾选的申报列入推荐名单"))
    rlist = RecommendationList.objects.get(call=application.call, unit__name="岳口镇")
    assert page.url.endswith(f"/review/lists/{rlist.pk}/")
    entry = rlist.entries.get()
    assert entry.application_id == pk and entry.priority == 1
    assert "尚未填写推荐意见" in main_text(page)  # signing is blocked until there is an opinion
    assert page.get_by_role("button", name="签发推荐名单").is_disabled()
    page.fill(f"#opinion-{entry.pk}", OPINION)
    click_and_wait(page, page.get_by_role("button", name="保存顺序和推荐意见"))
    assert "已保存推荐顺序和推荐意见" in main_text(page)
    click_and_wait(page, page.get_by_role("button", name="签发推荐名单"))
    assert "推荐名单已签发" in main_text(page)
    click_and_wait(page, page.locator('form[action$="/send/"] button'))
    text = main_text(page)
    assert "推荐名单已报送市经信局" in text and OPINION in text
    assert latest.number in text, "the list does not show the latest receipt (the resubmission)"
    rlist.refresh_from_db()
    assert rlist.status == RecommendationList.Status.SENT
    assert rlist.sent_at == dt.datetime.fromisoformat(RECOMMEND_TIME)
    assert [row["enterprise_name"] for row in rlist.snapshot["entries"]] == [COMPANY]
    assert rlist.snapshot["entries"][0]["recommendation"] == OPINION
    assert rlist.snapshot["entries"][0]["submission_number"] == latest.number
    screenshot(page, "11-township-recommendation-list-sent")
    # The 推荐名单 (附件5) downloads as Excel and PDF with the enterprise in it.
    import openpyxl
    from pypdf import PdfReader

    for label, check in (("导出 Excel", lambda f: COMPANY in [c.value for row in openpyxl.load_workbook(f).active.iter_rows()
                                                              for c in row]),
                         ("导出 PDF", lambda f: COMPANY in "".join("".join(p.extract_text() for p in PdfReader(f).pages).split()))):
        with page.expect_download() as info:
            page.click(f"a:has-text('{label}')")
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        assert check(target), f"{label}: {target.name} does not list {COMPANY}"

    # 4. Past the township deadline, the city receives it (受理) and passes 形式审查.
    set_clock(settings, CITY_TIME)
    log_in(page, "city")
    page.goto("/review/intake/")
    row = page.locator("tr", has_text=COMPANY).first
    assert latest.number in row.inner_text() and row.locator(".status-township_recommended").count() == 1
    lists = page.locator("tr", has_text="岳口镇").filter(has_text="已报送")
    assert lists.count() >= 1, "岳口镇's sent list is not shown at intake"
    screenshot(page, "12-city-intake")
    click_and_wait(page, row.get_by_role("button", name="受理"))
    assert f"已受理：{COMPANY}" in main_text(page)
    application.refresh_from_db()
    assert application.status == State.RECEIVED
    click_and_wait(page, page.locator("tr", has_text=COMPANY).first.get_by_role("link", name="形式审查"))
    assert page.url.endswith(f"/review/applications/{pk}/formal/")
    # The checklist is pre-filled by the engine; items it cannot see (申报条件 evidence in the paper dossier)
    # are ticked by the officer with a reason.
    page.wait_for_selector("#formal-form .check-row", timeout=WAIT)
    unticked = page.locator('#formal-form .check-row[data-engine="0"]')
    overridden = unticked.count()
    for index in range(overridden):
        item = unticked.nth(index)
        item.locator('input[type="checkbox"]').check()
        item.locator('input[type="text"]').fill("纸质申报材料（一式两份）中已附该项佐证，核对无误")
    assert page.locator('#formal-form .check-row input[type="checkbox"]:not(:checked)').count() == 0
    page.check('input[name="decision"][value="formal_pass"]')
    page.fill("#formal-reason", "材料齐全，符合申报条件。")
    screenshot(page, "13-city-formal-review")
    click_and_wait(page, page.get_by_role("button", name="提交审查结论"))
    assert f"{COMPANY}：形式审查通过" in main_text(page)
    application.refresh_from_db()
    assert application.status == State.FORMAL_PASSED
    review = FormalReview.objects.get(application=application)
    assert review.decision == "formal_pass" and all(item["checked"] for item in review.items)
    assert len(review.overrides) == overridden

    # 5. The city assigns expert1 and expert2 (expert3 is excluded by the declared relationship).
    page.goto(f"/experts/applications/{pk}/assign/")
    excluded = page.locator("#excluded").inner_text()
    assert "赵志刚" in excluded, "expert3's declared conflict does not exclude them"
    wanted = {User.objects.get(username=name).pk for name in SCORES}
    manual = page.locator('form:has(input[name="mode"][value="manual"])')
    boxes = manual.locator('input[name="experts"]')
    assert {int(boxes.nth(i).get_attribute("value")) for i in range(boxes.count())} == wanted
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.set_checked(int(box.get_attribute("value")) in wanted)
    click_and_wait(page, manual.get_by_role("button", name="选派所选专家"))
    assert "已选派 2 位专家" in main_text(page)
    application.refresh_from_db()
    assert application.status == State.EXPERT_REVIEW
    assert set(Assignment.objects.filter(application=application).values_list("expert__username", flat=True)) \
        == set(SCORES)

    # Each expert sees the task, scores it with the live total, and submits.
    for number, (username, points) in enumerate(SCORES.items()):
        log_in(page, username)
        page.goto("/experts/mine/")
        task = page.locator(".xp-list li", has_text=COMPANY)
        assert "待评分" in task.inner_text() and f"专家已提交 {number}/2" in task.inner_text()
        if number == 0:
            screenshot(page, "14-expert-my-assignments")
        click_and_wait(page, task.get_by_role("link", name=COMPANY))
        page.wait_for_selector("#score-form input.score-input", timeout=WAIT)
        inputs = page.locator("#score-form input.score-input")
        assert inputs.count() == len(points)
        running = Decimal(0)
        for index, value in enumerate(points):
            inputs.nth(index).fill(value)
            running += Decimal(value)
            expected = f"{running:f}".rstrip("0").rstrip(".") if "." in f"{running:f}" else str(running)
            page.wait_for_function("([sel, want]) => document.querySelector(sel).textContent === want",
                                   arg=["#live-total", expected], timeout=WAIT)
        assert page.locator("#live-total").inner_text() == TOTALS[username]
        assert f"已填 {len(points)}/{len(points)} 项" in page.locator("#live-state").inner_text()
        page.fill("#comments", "场景建设与生产作业结合紧密，视觉检测补正后描述清楚；建议补充能耗数据。")
        if number == 0:
            screenshot(page, "15-expert-score-live-total")
        page.once("dialog", lambda dialog: dialog.accept())  # 提交后不能再修改评分，确定提交？
        click_and_wait(page, page.get_by_role("button", name="提交评分"))
        assert f"评分已提交，总分 {TOTALS[username]} 分" in main_text(page)
        assignment = Assignment.objects.get(application=application, expert__username=username)
        assert assignment.status == "submitted" and assignment.total == Decimal(TOTALS[username])

    # The city completes expert review.
    log_in(page, "city")
    page.goto(f"/experts/applications/{pk}/")
    assert "专家评分（已提交 2/2）" in main_text(page)
    page.fill("#note", "两位专家评分接近，无需复核。")
    page.fill("#quorum_override_reason", "第三位在库专家因利益冲突回避，库内无其他可选派专家。")  # 2 of 3
    click_and_wait(page, page.get_by_role("button", name="专家评审完成，转入现场核查"))
    assert "专家评审已完成：平均分 76.75" in main_text(page)
    application.refresh_from_db()
    assert application.status == State.EXPERT_REVIEWED
    assert ExpertReviewResult.objects.get(application=application).mean_total == Decimal("76.75")

    # 6. On-site verification. Completing expert review generated the checklist (the city's “生成核查清单” is
    #    only offered for an application without an open check); the city opens it, names the inspector, decides
    #    every item (属实) on a phone-sized screen, and completes the check.
    check = OnsiteCheck.objects.get(application=application, status=OnsiteCheck.Status.OPEN)
    items = list(check.items.order_by("order"))
    page.goto("/onsite/")
    assert page.get_by_role("button", name="生成核查清单").count() == 0
    record = page.locator("li", has=page.get_by_role("link", name=COMPANY))
    assert f"核查中 · 已核查 0/{len(items)} 项" in record.inner_text()
    click_and_wait(page, record.get_by_role("link", name=COMPANY))
    assert page.url.endswith(f"/onsite/{check.pk}/")
    assert items and {item.kind for item in items} >= {"scenario", "kpi", "declaration"}
    assert NEW_SC24 in main_text(page)  # the checklist checks the corrected claim, not the returned one
    expert1 = User.objects.get(username="expert1")
    planning = page.locator('form[action$="/inspectors/"]')
    planning.locator(f'input[name="inspectors"][value="{expert1.pk}"]').check()
    planning.locator("#planned_date").fill("2026-03-09")
    click_and_wait(page, planning.get_by_role("button", name="保存并通知"))
    assert "已指定核查人员并通知本人" in main_text(page)
    check.refresh_from_db()
    assert list(check.inspectors.all()) == [expert1] and check.planned_date == dt.date(2026, 3, 9)
    page.set_viewport_size({"width": 390, "height": 844})
    for item in items:
        card = page.locator(f"#item-{item.pk}")
        card.locator('input[name="result"][value="confirmed"]').check()
        click_and_wait(page, card.get_by_role("button", name="保存本项"))
        assert f"已记录：{item.title}" in main_text(page)
    assert f"已核查 {len(items)}/{len(items)} 项" in main_text(page)
    assert CheckItem.objects.filter(onsite_check=check, result="confirmed").count() == len(items)
    page.locator("h2", has_text="核查清单").evaluate("heading => heading.scrollIntoView({block: 'start'})")
    # The checklist as a phone shows it (a full-page shot of every item is too long to read).
    page.screenshot(path=str(SCREENSHOT_DIR / "16-onsite-checklist-phone.png"))
    click_and_wait(page, page.get_by_role("button", name="现场核查完成"))
    assert "现场核查已办结，申报转入待认定" in main_text(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    check.refresh_from_db()
    application.refresh_from_db()
    assert check.status == OnsiteCheck.Status.COMPLETED
    assert application.status == State.ONSITE_VERIFIED

    # 6b. 评审结论: the city records 通过 with its reasons (only a 通过 may go on a 公示).
    page.goto(f"/decisions/applications/{pk}/")
    assert "76.75" in main_text(page)
    page.locator('input[name="outcome"][value="pass"]').check()
    page.fill('textarea[name="reasons"]', "专家评审平均分 76.75，现场核查各项属实。")
    click_and_wait(page, page.get_by_role("button", name="记录评审结论"))
    assert "评审结论已记录：通过" in main_text(page)

    # 7. 公示: created on the demo clock's date, the application added, published; anyone can read it.
    page.goto("/publicity/manage/new/")
    today = dt.datetime.fromisoformat(CITY_TIME).date()
    assert page.input_value('[name="start_date"]') == today.isoformat()
    assert page.input_value('[name="working_days"]') == "5"
    page.fill('[name="contact_phone"]', CONTACT_PHONE)
    click_and_wait(page, page.get_by_role("button", name="保存", exact=True))
    assert "公示草稿已创建" in main_text(page), main_text(page)
    publicity = Publicity.objects.get(call=application.call)
    assert publicity.start_date == today and publicity.status == Publicity.Status.DRAFT
    page.locator(f'input[name="application"][value="{pk}"]').check()
    click_and_wait(page, page.get_by_role("button", name="列入公示名单"))
    assert "已列入 1 份申报" in main_text(page)
    click_and_wait(page, page.get_by_role("button", name="发布公示"))
    assert "公示已发布" in main_text(page)
    publicity.refresh_from_db()
    application.refresh_from_db()
    assert publicity.status == Publicity.Status.PUBLISHED
    assert application.status == State.PROPOSED

    visitor_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                          base_url=live_server.url)
    try:
        visitor = visitor_context.new_page()
        visitor.set_default_timeout(15000)
        visitor.goto("/publicity/")
        notice = visitor.locator("article.notice", has_text=publicity.title).first
        notice.wait_for(timeout=WAIT)
        text = notice.inner_text()
        assert COMPANY in text and CREDIT_CODE in text and "公示中" in text
        assert f"{today.year}年{today.month}月{today.day}日" in text  # the period starts on the demo clock's date
        assert "76.75" not in text and "13907281001" not in text  # no scores, no contact details in public
        screenshot(visitor, "17-public-notice")

        # After the period (the first day after its end), the city finalises.
        set_clock(settings, f"{publicity.end_date + dt.timedelta(days=1)}T09:00:00+08:00")
        page.goto(f"/publicity/manage/{publicity.pk}/")
        click_and_wait(page, page.get_by_role("button", name="认定并公布认定名单"))
        assert "认定完成：1 家企业列入认定名单" in main_text(page)
        publicity.refresh_from_db()
        application.refresh_from_db()
        assert publicity.status == Publicity.Status.FINALISED
        assert PublicityEntry.objects.get(publicity=publicity).outcome == PublicityEntry.Outcome.RECOGNISED
        assert application.status == State.RECOGNISED
        assert application.events.filter(action="recognise").exists()

        visitor.goto(f"/publicity/{publicity.pk}/")
        final = visitor.locator("h3", has_text="认定名单")
        final.wait_for(timeout=WAIT)
        final_table = visitor.locator("table", has=visitor.locator("caption", has_text=publicity.final_snapshot["title"]))
        assert COMPANY in final_table.inner_text() and CREDIT_CODE in final_table.inner_text()
        assert "公示期已于" in visitor.locator("#objection").inner_text()  # objections closed
        screenshot(visitor, "18-public-final-list")
    finally:
        visitor_context.close()

    log_in(page, "huachu")
    page.goto(f"/applications/{pk}/status/")
    assert page.locator(".status-pill").first.inner_text().strip() == "已认定"
    assert "本批次申报已结束：已认定" in main_text(page)

    # 8. The city's dashboard overview counts it.
    log_in(page, "city")
    page.goto("/dashboards/")
    stat = page.locator(".stat", has_text="已认定").locator("b")
    assert stat.inner_text().strip() == "1"
    assert page.locator(".stat", has_text="已提交（不含撤回）").locator("b").inner_text().strip() == "1"
    screenshot(page, "19-city-dashboard-overview")


# --- the inspector's phone ------------------------------------------------------------------------------

def _to_open_onsite_check(application):
    """Drive ``application`` through the services up to an open on-site check with expert1 as inspector."""
    owner, yuekou, city = (User.objects.get(username=name) for name in ("huachu", "yuekou", "city"))
    application_services.application_submit(application=application, user=owner, idempotency_key="phone-1")
    application_services.application_transition(application=application, action="township_recommend", user=yuekou)
    unit = Organisation.objects.get(name="岳口镇", kind__in=Organisation.UNIT_KINDS)
    rlist = review_services.list_for(call=application.call, unit=unit, user=yuekou)
    entry = review_services.entries_add(rlist=rlist, applications=[application], user=yuekou)[0]
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: OPINION}, user=yuekou)
    review_services.list_send(rlist=review_services.list_sign(rlist=rlist, user=yuekou), user=yuekou)
    review_services.city_receive(application=application, user=city)
    items = review_services.formal_checklist(application)
    review_services.formal_review_decide(
        application=application, user=city, decision="formal_pass", checked={item.key: True for item in items},
        override_reasons={item.key: "纸质材料中已附佐证" for item in items if not item.engine_checked})
    experts = [User.objects.get(username=name) for name in SCORES]
    for assignment in expert_services.assign_experts(application=application, user=city, experts=experts):
        criteria = list(assignment.rubric.criteria.all())
        raw = {criterion.pk: points for criterion, points in zip(criteria, SCORES[assignment.expert.username],
                                                                 strict=True)}
        expert_services.score_save(assignment=assignment, user=assignment.expert, raw=raw, comments="同意。",
                                   submit=True)
    expert_services.review_complete(application=application, user=city, quorum_override_reason="库内无其他可选派专家")
    check = OnsiteCheck.objects.get(application=application, status=OnsiteCheck.Status.OPEN)
    onsite_services.inspectors_set(check=check, user=city, inspectors=[experts[0]])
    return check


PHONE_LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) { problems.push(`page is ${width}px wide on a ${window.innerWidth}px screen`); }
  for (const item of document.querySelectorAll(".site-nav a, .site-nav button")) {
    const style = getComputedStyle(item);
    const line = parseFloat(style.lineHeight) || 1.6 * parseFloat(style.fontSize);
    if (item.getBoundingClientRect().height > 1.5 * line) { problems.push(`menu item "${item.textContent.trim()}" wraps`); }
  }
  return problems;
}"""


def test_onsite_checklist_fits_a_phone_screen(page, pipeline_world):
    """The inspectors (an expert, or the city officer) open the checklist on a phone: every item can be decided,
    nothing scrolls sideways and the menu stays readable."""
    check = _to_open_onsite_check(pipeline_world)
    page.set_viewport_size({"width": 390, "height": 844})
    problems = {}
    for username in ("expert1", "city"):
        log_in(page, username)
        page.goto(f"/onsite/{check.pk}/")
        page.wait_for_selector(".check-item", timeout=WAIT)
        assert page.locator('.check-item input[name="result"][value="confirmed"]').count() == check.items.count()
        found = page.evaluate(PHONE_LAYOUT_PROBLEMS)
        if found:
            problems[username] = found
    assert not problems, problems


# --- a resubmission at the same demo moment ----------------------------------------------------------------

def test_recommendation_list_names_the_resubmission_under_a_standing_demo_clock(page, pipeline_world):
    application = pipeline_world
    owner, yuekou = User.objects.get(username="huachu"), User.objects.get(username="yuekou")
    application_services.application_submit(application=application, user=owner, idempotency_key="still-1")
    application_services.application_transition(application=application, action="township_return", user=yuekou,
                                                section_reasons={"scenarios": RETURN_REASON},
                                                due_date=dt.date(2026, 2, 27))
    latest = application_services.application_submit(application=application, user=owner, idempotency_key="still-2")
    application_services.application_transition(application=application, action="township_recommend", user=yuekou)
    unit = Organisation.objects.get(name="岳口镇", kind__in=Organisation.UNIT_KINDS)
    rlist = review_services.list_for(call=application.call, unit=unit, user=yuekou)
    entry = review_services.entries_add(rlist=rlist, applications=[application], user=yuekou)[0]
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: OPINION}, user=yuekou)
    rlist = review_services.list_sign(rlist=rlist, user=yuekou)
    log_in(page, "yuekou")
    page.goto(f"/review/lists/{rlist.pk}/")
    row = page.locator("tr", has_text=COMPANY)
    row.wait_for(timeout=WAIT)
    problems = []
    if latest.number not in row.inner_text():
        problems.append(f"the list shows {RECEIPT.search(row.inner_text()).group()}, not {latest.number}")
    if rlist.snapshot["entries"][0]["submission_number"] != latest.number:
        problems.append(f"the signed snapshot names {rlist.snapshot['entries'][0]['submission_number']}")
    assert not problems, problems
