"""The township 工作台 lists what waits for it, with counts and links (issue 11)."""

import pytest
from django.urls import reverse

from tidu import testing
from tidu.accounts.models import Organisation
from tidu.applications.workflow import State

pytestmark = pytest.mark.django_db


def test_township_dashboard_lists_enterprises_to_confirm_and_applications_to_review(client, settings):
    settings.TIDU_NOW = "2026-02-20T10:00:00+08:00"
    town = testing.unit("岳口镇", kind=Organisation.Kind.TOWNSHIP)
    officer = testing.officer(town, "yuekou")
    testing.enterprise(town, "天门市新登记甲有限公司", confirmed=False)
    testing.enterprise(town, "天门市新登记乙有限公司", confirmed=False)
    submitted = testing.enterprise(town, "天门市华楚精密机械有限公司")
    testing.enterprise_user(submitted, "huachu")
    testing.drive_to(testing.application(submitted), State.SUBMITTED)

    client.force_login(officer)
    page = client.get(reverse("review:township_dashboard")).content.decode()
    todo = page[page.index('id="todo"'):page.index("</section>", page.index('id="todo"'))]
    assert f'href="{reverse("enterprises:unit_enterprises")}?status=pending">2 家企业待确认' in todo
    assert 'href="#applications">1 份申报待审核' in todo
    assert "乡镇推荐截止" in todo


def test_enterprise_dashboard_lists_the_parts_still_to_complete(client, settings):
    settings.TIDU_NOW = "2026-02-20T10:00:00+08:00"
    town = testing.unit("岳口镇", kind=Organisation.Kind.TOWNSHIP)
    enterprise = testing.enterprise(town, "天门市华楚精密机械有限公司")
    owner = testing.enterprise_user(enterprise, "huachu")
    application = testing.application(enterprise, user=owner)

    client.force_login(owner)
    page = client.get(reverse("applications:home")).content.decode()
    todo = page[page.index('id="todo"'):page.index("</section>", page.index('id="todo"'))]
    assert "部分未完成" in todo
    assert f'href="{reverse("applications:section", args=[application.pk, "basic"])}">基本信息</a>' in todo
    assert "企业申报截止" in todo
