"""Registration knows the open call: industries it admits, its region, and a whole-code check message."""

import pytest
from django.urls import reverse

from tidu import testing
from tidu.accounts.models import Organisation
from tidu.accounts.tests.factories import make_unit
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.codes import code, with_check
from tidu.policy import selectors as policy_selectors

pytestmark = pytest.mark.django_db
REGISTER = reverse("enterprises:register")
PASSWORD = "Tianmen-Huachu-2026"


@pytest.fixture
def call():
    return testing.load_call()


@pytest.fixture
def data():
    unit = make_unit("岳口镇", Organisation.Kind.TOWNSHIP)
    return {
        "name": "天门市楚天精工机械有限公司", "credit_code": code(901), "legal_status": "legal_person",
        "industry_division": "C34", "industry_detail": "", "registered_region": "湖北省天门市",
        "address": "岳口镇工业园1号", "legal_representative": "胡建华", "contact_name": "刘洋",
        "contact_phone": "13907281234", "contact_email": "liuyang@example.com", "unit": str(unit.pk),
        "username": "chutian", "password1": PASSWORD, "password2": PASSWORD,
    }


def test_industries_offered_are_those_the_call_pack_admits(client, call):
    policy = policy_selectors.call_policy_for(call)
    admitted = [item["code"] for item in policy.admitted_industries]
    # 制造业 and every branch-industry exception the pack lists outside 制造业 (B07, B09 in the 2026 pack)
    branch_outside_c = [i["code"] for i in policy.branch_industries if not i["code"].startswith("C")]
    assert admitted == ["C", *branch_outside_c] and branch_outside_c
    text = client.get(REGISTER).content.decode()
    assert '<option value="C34">34 通用设备制造业</option>' in text
    for exception in branch_outside_c:
        assert f'<option value="{exception}">' in text
    assert 'value="B06"' not in text                  # 煤炭开采和洗选业: not named by the pack
    assert 'value="S91"' not in text and "中国共产党机关" not in text
    assert "只接受以下行业的企业" in text and "石油和天然气开采业（B07）" in text


def test_industry_outside_the_call_is_refused_with_the_reason(client, call, data):
    data["industry_division"] = "S91"
    response = client.post(REGISTER, data)
    text = response.content.decode()
    assert response.status_code == 200 and not Enterprise.objects.exists()
    assert "不在“天门市2026年度基础级智能工厂申报”的申报范围内" in text and "制造业（C）" in text
    assert 'value="天门市楚天精工机械有限公司"' in text  # nothing typed is lost


def test_without_a_call_every_industry_is_offered(client):
    assert '<option value="S91">' in client.get(REGISTER).content.decode()


def test_credit_code_from_another_region_warns_but_registers(client, call, data):
    data["credit_code"] = with_check("91420100MA4000902")  # 武汉市 (420100), not 天门市 (429006)
    response = client.post(REGISTER, data, follow=True)
    text = response.content.decode()
    assert Enterprise.objects.filter(credit_code=data["credit_code"]).exists()
    assert "第3–8位（登记管理机关行政区划代码）为 420100" in text and "湖北省天门市（429006）" in text


def test_region_warning_shown_when_the_form_comes_back(client, call, data):
    data["credit_code"] = with_check("91420100MA4000903")
    data["password2"] = "something-else-2026"
    text = client.post(REGISTER, data).content.decode()
    assert 'id="region-warning"' in text and "420100" in text


def test_credit_code_in_the_region_gives_no_warning(client, call, data):
    text = client.post(REGISTER, data, follow=True).content.decode()
    assert Enterprise.objects.exists() and "登记管理机关行政区划代码" not in text


def test_check_failure_speaks_of_the_whole_code(client, call, data):
    good = code(904)
    data["credit_code"] = good[:5] + ("1" if good[5] != "1" else "2") + good[6:]  # a typo in the middle
    text = client.post(REGISTER, data).content.decode()
    assert "整体校验不通过" in text and "不一定是最后一位" in text and "逐位核对全部18位" in text
