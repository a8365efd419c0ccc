import html

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.urls import reverse

from tidu.accounts.models import Organisation, User
from tidu.accounts.tests.factories import make_unit, make_user
from tidu.enterprises import services
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.codes import code, with_check
from tidu.enterprises.tests.factories import make_enterprise
from tidu.testing import load_call

pytestmark = pytest.mark.django_db
REGISTER = reverse("enterprises:register")
PASSWORD = "Tianmen-Huachu-2026"


@pytest.fixture
def unit():
    make_unit("天门经济开发区", Organisation.Kind.DEVELOPMENT_ZONE)
    return make_unit("岳口镇")


@pytest.fixture
def data(unit):
    return {
        "name": "天门市楚天精工机械有限公司", "credit_code": code(900).lower(), "legal_status": "legal_person",
        "industry_division": "C34", "industry_detail": "3484", "registered_region": "湖北省天门市",
        "address": "岳口镇工业园1号", "legal_representative": "胡建华", "contact_name": "刘洋",
        "contact_phone": "139 0728 1234", "contact_email": "liuyang@example.com", "unit": str(unit.pk),
        "username": "chutian", "password1": PASSWORD, "password2": PASSWORD,
    }


def assert_kept(response, data, *, except_fields=()):
    """The form came back with everything typed (passwords are never echoed)."""
    text = response.content.decode()
    for field in ("name", "credit_code", "registered_region", "address", "legal_representative", "contact_name",
                  "contact_phone", "contact_email", "username", "industry_detail"):
        if field not in except_fields and data[field]:
            assert f'value="{html.escape(data[field])}"' in text, field
    if "industry_division" not in except_fields:
        assert f'<option value="{data["industry_division"]}" selected>' in text
    if "unit" not in except_fields:
        assert f'<option value="{data["unit"]}" selected>' in text
    assert PASSWORD not in text


def test_page_offers_grouped_industries_and_units(client, unit):
    assert 'value="湖北省天门市"' not in client.get(REGISTER).content.decode()  # no region in the code
    load_call()  # the region offered is the call's (its policy pack)
    text = client.get(REGISTER).content.decode()
    assert '<optgroup label="C 制造业">' in text
    assert '<option value="C34">34 通用设备制造业</option>' in text
    assert '<optgroup label="乡镇人民政府">' in text and '<optgroup label="开发区">' in text
    assert "中类、小类不在列表中逐一列出" in text
    assert 'value="湖北省天门市"' in text


def test_inactive_units_are_not_offered(client, unit):
    make_unit("已撤并镇", is_active=False)
    assert "已撤并镇" not in client.get(REGISTER).content.decode()


def test_happy_path(client, data, unit):
    response = client.post(REGISTER, data)
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:my_enterprise")

    enterprise = Enterprise.objects.get()
    assert enterprise.name == data["name"]
    assert enterprise.credit_code == code(900)  # upper-cased
    assert enterprise.industry_code == "C3484"
    assert enterprise.status == Enterprise.Status.PENDING
    assert enterprise.contact_phone == "13907281234"
    assert enterprise.organisation.kind == Organisation.Kind.ENTERPRISE
    assert enterprise.organisation.parent == unit and enterprise.unit == unit
    user = User.objects.get(username="chutian")
    assert user.role == User.Role.ENTERPRISE and user.organisation == enterprise.organisation
    assert user.email == "liuyang@example.com" and user.check_password(PASSWORD)

    assert int(client.session[SESSION_KEY]) == user.pk  # logged in
    page = client.get(response["Location"]).content.decode()
    assert "等待乡镇确认" in page and "登记成功" in page and "岳口镇" in page


def test_industry_division_alone(client, data):
    data["industry_detail"] = ""
    client.post(REGISTER, data)
    assert Enterprise.objects.get().industry_code == "C34"


def test_branch(client, data):
    data.update(legal_status="branch", industry_division="C32", industry_detail="3216")
    client.post(REGISTER, data)
    enterprise = Enterprise.objects.get()
    assert enterprise.legal_status == Enterprise.LegalStatus.BRANCH and enterprise.industry_code == "C3216"


def post_invalid(client, data):
    response = client.post(REGISTER, data)
    assert response.status_code == 200
    assert not Enterprise.objects.exists() or Enterprise.objects.count() == 1
    assert SESSION_KEY not in client.session
    return response


def test_bad_check_character(client, data):
    good = code(900)
    wrong = "0" if good[-1] != "0" else "1"
    data["credit_code"] = good[:-1] + wrong
    response = post_invalid(client, data)
    assert f"校验码应为{good[-1]}，实际为{wrong}" in response.content.decode()
    assert_kept(response, data)
    assert not Enterprise.objects.exists() and not User.objects.filter(username="chutian").exists()


def test_wrong_length_and_illegal_character(client, data):
    data["credit_code"] = "91429006MA4"
    assert "应为18位，当前11位" in post_invalid(client, data).content.decode()
    data["credit_code"] = code(900)[:5] + "I" + code(900)[6:]
    assert "第6位的字符“I”不合法" in post_invalid(client, data).content.decode()


def test_duplicate_credit_code(client, data, unit):
    make_enterprise(unit, credit_code=code(900))
    data["credit_code"] = code(900)
    response = post_invalid(client, data)
    assert "该统一社会信用代码已登记" in response.content.decode()
    assert_kept(response, data)
    assert Enterprise.objects.count() == 1


def test_bad_industry_division(client, data):
    data["industry_division"] = "C99"
    response = post_invalid(client, data)
    assert "行业代码 C99 不存在：大类 99 不属于门类 C" in response.content.decode()
    assert_kept(response, data, except_fields=("industry_division",))
    data["industry_division"] = "B34"
    assert "大类 34 不属于门类 B" in post_invalid(client, data).content.decode()
    data["industry_division"] = "C"
    assert "请从列表中选择所属行业大类" in post_invalid(client, data).content.decode()
    data["industry_division"] = ""
    assert "请选择所属行业大类" in post_invalid(client, data).content.decode()


def test_industry_detail_not_in_the_division(client, data):
    data["industry_detail"] = "3584"
    response = post_invalid(client, data)
    assert "中类/小类代码 3584 与所选大类 34 不一致：应以 34 开头" in response.content.decode()
    assert_kept(response, data)


def test_industry_detail_bad_format(client, data):
    data["industry_detail"] = "34x"
    response = post_invalid(client, data)
    assert "中类代码为3位数字、小类代码为4位数字" in response.content.decode()
    assert_kept(response, data)


def test_industry_detail_with_letter_is_tolerated(client, data):
    data["industry_detail"] = "c3484"
    client.post(REGISTER, data)
    assert Enterprise.objects.get().industry_code == "C3484"


def test_missing_unit(client, data):
    data["unit"] = ""
    response = post_invalid(client, data)
    assert "请选择所属乡镇、办事处、农场或开发区" in response.content.decode()
    assert_kept(response, data, except_fields=("unit",))


def test_unit_that_is_not_a_unit(client, data):
    data["unit"] = str(Organisation.objects.create(name="某科室", kind=Organisation.Kind.CITY_OFFICE).pk)
    assert "请从列表中选择所属乡镇、办事处、农场或开发区" in post_invalid(client, data).content.decode()


def test_bad_phone(client, data):
    data["contact_phone"] = "12345"
    response = post_invalid(client, data)
    assert "联系电话格式不正确" in response.content.decode()
    assert_kept(response, data)


def test_password_rules_and_mismatch(client, data):
    data.update(password1="12345678", password2="12345678")
    text = post_invalid(client, data).content.decode()
    assert "这个密码太常见了" in text or "密码全是数字" in text
    data.update(password1=PASSWORD, password2=PASSWORD + "x")
    assert "两次输入的密码不一致" in post_invalid(client, data).content.decode()


def test_duplicate_username_any_case(client, data):
    make_user("ChuTian", User.Role.ENTERPRISE)
    response = post_invalid(client, data)
    assert "该用户名已被使用" in response.content.decode()
    assert_kept(response, data)


def test_same_name_under_the_same_unit(client, data, unit):
    make_enterprise(unit, data["name"])
    assert "已有同名企业登记" in post_invalid(client, data).content.decode()


def test_required_fields(client, unit):
    response = client.post(REGISTER, {"unit": str(unit.pk), "name": "只填了名称"})
    text = response.content.decode()
    assert response.status_code == 200 and "这个字段是必填项" in text and 'value="只填了名称"' in text


def test_logged_in_user_is_sent_to_the_dashboard(client, unit):
    client.force_login(make_user("t", User.Role.TOWNSHIP, unit))
    assert client.get(REGISTER)["Location"] == reverse("accounts:dashboard")


def test_service_checks_again(unit):
    """The service does not trust its caller: the same rules raise field-keyed errors."""
    with pytest.raises(ValidationError) as caught:
        services.enterprise_register(
            name="", credit_code=with_check("91429006MA4000001")[:-1] + "!", legal_status="other",
            industry_code="C06", unit=None, contact_name="x", contact_phone="1", username="u", password="1")
    fields = set(caught.value.error_dict)
    assert {"name", "credit_code", "legal_status", "industry_code", "unit", "contact_phone", "password"} <= fields


def test_service_registers(unit):
    load_call()  # without a region given, the call's region (its policy pack) is taken
    enterprise, user = services.enterprise_register(
        name="天门市某某有限公司", credit_code=code(901), legal_status="legal_person", industry_code="C27",
        unit=unit, contact_name="张三", contact_phone="0728-5221234", username="mouMou", password=PASSWORD,
        contact_email="a@example.com")
    assert enterprise.status == Enterprise.Status.PENDING and user.organisation == enterprise.organisation
    assert enterprise.registered_region == "湖北省天门市"


def test_registration_is_limited_per_address(client, data, settings):
    settings.TIDU_REGISTRATION_PER_ADDRESS = 1
    assert client.post(REGISTER, data).status_code == 302
    client.logout()
    second = dict(data, username="chutian2", credit_code=code(901), name="天门市另一家有限公司")
    response = client.post(REGISTER, second)
    assert response.status_code == 429 and "登记过于频繁" in response.content.decode()
    assert_kept(response, second, except_fields=("password1", "password2"))
    assert Enterprise.objects.count() == 1


def test_english_registration_explains_a_bad_industry_in_english(client, data):
    from tidu.enterprises.tests.test_industries import INDUSTRY_ERRORS_EN
    from tidu.testing import english

    data["industry_division"] = "C99"
    client.cookies["django_language"] = "en"
    with english(INDUSTRY_ERRORS_EN):
        page = client.post(REGISTER, data).content.decode()
    assert "Industry code C99 does not exist: division 99 is not in section C" in page
    assert "行业代码 C99" not in page
