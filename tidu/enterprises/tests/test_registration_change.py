"""A change of identity goes through the township: the enterprise asks, its township approves or declines, each
step one audit row; until approval the 申报书 keeps the registered name, and after it carries the new one."""

import pytest
from django.urls import reverse

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications import services as application_services
from tidu.core.models import AuditEntry
from tidu.enterprises.models import Enterprise, RegistrationChange

pytestmark = pytest.mark.django_db
NEW_NAME = "天门市华楚精密机械股份有限公司"


@pytest.fixture
def world():
    call = build.load_call()
    unit = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    other = build.unit("竟陵街道办事处")
    company = build.enterprise(unit, "天门市华楚精密机械有限公司")
    owner = build.enterprise_user(company, "ent")
    application = build.application(company, call=call, user=owner)
    return {"company": company, "owner": owner, "town": build.officer(unit, "town"),
            "other_town": build.officer(other, "other_town"), "application": application}


def ask(client, world, **changes):
    company = world["company"]
    data = {"name": company.name, "credit_code": company.credit_code, "registered_region": company.registered_region,
            "industry_code": company.industry_code, "reason": "2026年3月1日已在市场监管局办理名称变更", **changes}
    client.force_login(world["owner"])
    return client.post(reverse("enterprises:request_change"), data)


def save_basic(world, **changes):
    application = world["application"]
    section = application.sections.get(key="basic")
    application_services.application_section_save(application=application, key="basic",
                                                  data={**section.data, **changes},
                                                  base_revision=section.revision, user=world["owner"])
    return application.sections.get(key="basic").data


def test_the_enterprise_asks_and_nothing_changes_until_the_township_approves(client, world):
    assert ask(client, world, name=NEW_NAME).status_code == 302
    change = RegistrationChange.objects.get()
    assert change.status == "pending" and change.changes == {"name": ["天门市华楚精密机械有限公司", NEW_NAME]}
    assert AuditEntry.objects.filter(action="enterprise.request_change").count() == 1
    assert Enterprise.objects.get().name == "天门市华楚精密机械有限公司"
    assert save_basic(world)["name"] == "天门市华楚精密机械有限公司"
    page = client.get(reverse("enterprises:my_enterprise")).content.decode()
    assert "待乡镇审核" in page and NEW_NAME in page

    client.force_login(world["town"])
    page = client.get(reverse("enterprises:unit_enterprises")).content.decode()
    assert "待审核的登记信息变更" in page and NEW_NAME in page
    response = client.post(reverse("enterprises:decide_change"), {"change": change.pk, "decision": "approve"})
    assert response.status_code == 302
    assert Enterprise.objects.get().name == NEW_NAME
    row = AuditEntry.objects.get(action="enterprise.approve_change")
    assert row.actor == world["town"] and row.detail["changed"]["name"][1] == NEW_NAME
    assert save_basic(world)["name"] == NEW_NAME


def test_only_the_enterprises_own_township_decides(client, world):
    ask(client, world, name=NEW_NAME)
    change = RegistrationChange.objects.get()
    client.force_login(world["other_town"])
    assert client.post(reverse("enterprises:decide_change"),
                       {"change": change.pk, "decision": "approve"}).status_code == 404
    client.force_login(world["owner"])
    assert client.post(reverse("enterprises:decide_change"),
                       {"change": change.pk, "decision": "approve"}).status_code == 403
    assert Enterprise.objects.get().name != NEW_NAME


def test_declining_needs_a_reason_and_the_enterprise_may_ask_again(client, world):
    ask(client, world, name=NEW_NAME)
    change = RegistrationChange.objects.get()
    client.force_login(world["town"])
    page = client.post(reverse("enterprises:decide_change"), {"change": change.pk, "decision": "reject"},
                       follow=True).content.decode()
    assert "请填写不同意的理由" in page
    client.post(reverse("enterprises:decide_change"), {"change": change.pk, "decision": "reject",
                                                       "reason": "未见变更登记通知书"})
    change.refresh_from_db()
    assert change.status == "rejected" and change.decision_reason == "未见变更登记通知书"
    assert ask(client, world, name=NEW_NAME).status_code == 302
    assert RegistrationChange.objects.filter(status="pending").count() == 1


def test_a_second_request_waits_and_bad_values_are_named(client, world):
    other = build.enterprise(build.unit("多宝镇"), "天门市另一家有限公司")
    response = ask(client, world, credit_code=other.credit_code)
    assert response.status_code == 400 and "该统一社会信用代码已登记" in response.content.decode()
    response = ask(client, world, name="")
    assert response.status_code == 400
    response = ask(client, world, name="天门市\x00公司")
    assert response.status_code == 400 and "含有不可见的控制字符" in response.content.decode()
    ask(client, world, name=NEW_NAME)
    response = ask(client, world, name="天门市第三个名字有限公司")
    assert response.status_code == 400 and "已有一项登记信息变更等待乡镇审核" in response.content.decode()
    assert RegistrationChange.objects.count() == 1
