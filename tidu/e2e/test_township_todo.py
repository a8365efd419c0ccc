"""The township finds a newly registered enterprise from its 工作台 and confirms it (issue 11).

The registration notifies the unit's officers; the 工作台 (the township dashboard) lists what waits with counts,
and its "企业待确认" link leads to the unit's enterprises, where the officer confirms it.
"""

import pytest

from tidu.accounts.models import Organisation, User
from tidu.core.demo import DEMO_PASSWORD
from tidu.e2e.conftest import load_demo_base
from tidu.enterprises import services as enterprise_services
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.codes import code
from tidu.notifications.models import Notification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30000
NEW = "天门市楚天精工机械有限公司"


@pytest.fixture
def registered(settings, tmp_path):
    load_demo_base(settings, tmp_path, now="2026-02-20T10:00:00+08:00")
    unit = Organisation.objects.get(name="岳口镇", kind__in=Organisation.UNIT_KINDS)
    enterprise, _ = enterprise_services.enterprise_register(
        name=NEW, credit_code=code(903), legal_status="legal_person", industry_code="C3484", unit=unit,
        contact_name="刘洋", contact_phone="13907281234", username="chutian", password="Tianmen-Chutian-2026")
    return enterprise


def test_township_finds_and_confirms_a_new_enterprise_from_its_dashboard(page, registered):
    officer = User.objects.get(username="yuekou")
    assert Notification.objects.filter(recipient=officer, kind="enterprise.registered").exists()
    pending = Enterprise.objects.filter(organisation__parent=registered.organisation.parent,
                                        status=Enterprise.Status.PENDING).count()

    page.goto("/accounts/login/")
    page.fill('input[name="username"]', "yuekou")
    page.fill('input[name="password"]', DEMO_PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form button[type="submit"]')
    with page.expect_navigation(timeout=WAIT):
        page.locator(".site-nav").get_by_role("link", name="工作台").click()
    todo = page.locator("#todo")
    link = todo.get_by_role("link", name=f"{pending} 家企业待确认")
    with page.expect_navigation(timeout=WAIT):
        link.click()
    assert "/enterprises/unit/" in page.url
    row = page.locator("tr", has_text=NEW)
    with page.expect_navigation(timeout=WAIT):
        row.get_by_role("button", name="确认").click()
    registered.refresh_from_db()
    assert registered.status == Enterprise.Status.CONFIRMED

    page.goto("/accounts/dashboard/")
    assert f"{pending - 1} 家企业待确认" in page.locator("#todo").inner_text() or pending == 1
