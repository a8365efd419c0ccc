"""The peer benchmark in a real browser (issue 14): an expert scoring a 先进级 application sees the applicant's
KPIs against its industry peers beside the 建设成效 finding, and the enterprise sees its own position.

Five enterprises of 大类 C34 applied at 先进级; 华楚's 关键设备数控化率 (K01) is 40 among 10, 20, 30, 40, 50:
median 30, quartiles 20 and 40, percentile 70. Its K07 stands alone: 样本不足5家，不予显示.
"""

import pytest

from tidu import testing as build
from tidu.applications.models import Application
from tidu.experts import services as expert_services
from tidu.experts import testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30000


@pytest.fixture
def peers(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    w = testing.world()
    a = testing.to_formal_passed(w, "a")
    b = testing.submit(w, "b")
    build.set_kpis(a, {"K01": 40.0, "K07": 12.5})
    build.set_kpis(b, {"K01": 10.0})
    build.peer_applications(a, [{"K01": 20.0}, {"K01": 30.0}, {"K01": 50.0}])
    Application.objects.filter(call=w["call"]).update(tier="advanced")  # a 先进级 call's applications
    assignment, = expert_services.assign_experts(application=a, user=w["users"]["city"], experts=[w["experts"]["e1"]])
    return {"w": w, "application": a, "assignment": assignment}


def login(page, username):
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', build.PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form button[type="submit"]')


def k01_cells(section):
    return [cell.strip() for cell in section.locator('tr[data-kpi="K01"] td').all_inner_texts()]


def test_expert_sees_the_peer_comparison_and_the_enterprise_its_own_benchmark(page, live_server, peers):
    login(page, "e1")
    page.goto("/experts/mine/")
    with page.expect_navigation(timeout=WAIT):
        page.get_by_role("link", name="天门市华楚精密机械有限公司").first.click()
    card = page.locator("#peer-comparison")
    card.wait_for(timeout=WAIT)
    text = card.inner_text()
    assert "建设成效-先进级" in text and "C34 通用设备制造业" in text and "先进级的已提交申报共 5 家" in text
    # 指标, 方向, 本企业, 百分位, 企业数, 下四分位数, 中位数, 上四分位数
    assert k01_cells(card)[2:] == ["40", "70", "5", "20", "30", "40"]
    assert "样本不足5家，不予显示" in card.locator('tr[data-kpi="K07"]').inner_text()

    page.context.clear_cookies()
    login(page, "ent_a")
    with page.expect_navigation(timeout=WAIT):
        page.locator(".site-nav").get_by_role("link", name="同行业对比").click()
    mine = page.locator("#peer-comparison")
    assert k01_cells(mine)[2:] == ["40", "70", "5", "20", "30", "40"]
    assert "10" not in k01_cells(mine) and "50" not in k01_cells(mine)  # no peer's own figure
    assert "样本不足5家，不予显示" in mine.locator('tr[data-kpi="K07"]').inner_text()
