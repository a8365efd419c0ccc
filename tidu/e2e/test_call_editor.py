"""The city bureau in a real browser (issue 13): from the current call it creates the next version of the call's
pack, moves the closing date and raises 申报条件3's declared threshold (the ``min`` of its rule in 2026.4; naming
the basis of each), reads the diff, runs the what-if over the submitted applications and publishes the version."""

import re

import pytest

from tidu import testing
from tidu.applications.models import Submission
from tidu.policy.editor import rule_params
from tidu.policy.models import Call, PackDraft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30000
REVENUES = {"天门市甲机械有限公司": 2600, "天门市乙纺织有限公司": 4200, "天门市丙化工有限公司": 6000,
            "天门市丁电子有限公司": 9800}


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TIDU_OTP_REQUIRED_ROLES = []
    call = testing.load_call()
    town = testing.unit("竟陵街道办事处")
    for position, (name, revenue) in enumerate(REVENUES.items()):
        enterprise = testing.enterprise(town, name)
        testing.enterprise_user(enterprise, f"ent{position}")
        application = testing.application(enterprise, call=call, filled=True)
        testing.edit_section(application, "basic", main_business_revenue_10k_yuan=str(revenue))
        testing.submitted(application)
    testing.city_officer("zhongxiao", "李明")
    return call


def test_city_edits_diffs_tries_and_publishes_the_next_call_version(page, world):
    call = world
    stored = list(Submission.objects.order_by("pk").values_list("pk", "outcome", "failing_clauses", "review_clauses"))
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', "zhongxiao")
    page.fill('input[name="password"]', testing.PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form button[type="submit"]')

    page.goto(f"/calls/{call.code}/")
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("link", name="批次编辑（创建下一版本、比对、试算、发布）").click()
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("button", name="创建草稿").click()
    draft = PackDraft.objects.get()
    assert f"/policy/drafts/{draft.pk}/" in page.url

    # A wrong value first: the threshold as words is refused with a specific message, the typed text kept.
    page.fill('input[name="revenue_min"]', "五千")
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("button", name="保存修改").click()
    assert "“五千”不是数字" in page.content()
    page.fill('input[name="window_closes"]', "2026-03-20")
    page.select_option('select[name="basis_window"]', "SEED")
    page.fill('input[name="revenue_min"]', "2000")
    assert call.call_pack.version == "2026.4"  # the version that declares its clauses: the rule's min decides
    scale = next(i for i, p in enumerate(rule_params(draft.document)) if p.clause == "申报条件3" and p.path == ("min",))
    assert "申报条件3 · min" in page.locator(f'label[for="id_param_{scale}"]').inner_text()
    page.fill(f'input[name="param_{scale}"]', "5000")
    page.select_option('select[name="basis_condition-2"]', "bureau")
    page.fill('input[name="basis_note_condition-2"]', "天经信〔2026〕12号")
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("button", name="保存修改").click()
    assert "已保存" in page.content()

    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("link", name=re.compile("与来源版本比对")).click()
    diff = page.locator("#diff")
    assert "申报截止日期" in diff.locator("tr", has_text="2026年3月20日").first.inner_text()
    threshold = diff.locator("tr", has=page.locator("th", has_text="申报条件3 › 规则 › 参数 › min"))
    assert threshold.inner_text().split("\t")[1:] == ["2000", "5000"]

    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("link", name="试算").first.click()
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("button", name="开始试算").click()
    page.wait_for_selector("#whatif-clauses", timeout=WAIT)
    assert "2 份的结论会改变" in page.locator("#whatif-run").inner_text()
    row = page.locator("#whatif-clauses tr", has_text="申报条件3")
    assert row.locator("td").first.inner_text() == "2"
    with page.expect_navigation(timeout=WAIT):
        row.get_by_role("link", name="申报条件3").click()
    names = page.locator("#whatif-rows tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(names) == ["天门市乙纺织有限公司", "天门市甲机械有限公司"]
    assert "低于规上标准 5000 万元" in page.locator("#whatif-rows").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("link", name="版本比对").click()
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("button", name="发布此版本").click()
    assert "此版本从此不可修改" in page.content()
    call.refresh_from_db()
    assert call.call_pack.version == draft.version and call.closes_on.isoformat() == "2026-03-20"
    assert Call.objects.count() == 1
    assert list(Submission.objects.order_by("pk").values_list(
        "pk", "outcome", "failing_clauses", "review_clauses")) == stored
