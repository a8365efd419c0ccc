import pytest
from django.urls import reverse

from tidu.accounts.models import User
from tidu.accounts.tests.factories import make_unit, make_user
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.factories import make_enterprise

pytestmark = pytest.mark.django_db
MINE = reverse("enterprises:my_enterprise")


@pytest.fixture
def unit():
    return make_unit("岳口镇")


def test_shows_own_data_and_status(client, unit):
    enterprise = make_enterprise(unit, "天门市华楚精密机械有限公司", username="huachu", industry_code="C3484")
    client.force_login(User.objects.get(username="huachu"))
    text = client.get(MINE).content.decode()
    assert "天门市华楚精密机械有限公司" in text and enterprise.credit_code in text
    assert "等待乡镇确认" in text and "C3484（制造业 › 34 通用设备制造业）" in text


@pytest.mark.parametrize(("status", "note", "expected"), [
    (Enterprise.Status.CONFIRMED, "", "岳口镇已确认本企业"),
    (Enterprise.Status.REJECTED, "注册地不在本镇", "未通过乡镇确认"),
])
def test_status_banner(client, unit, status, note, expected):
    make_enterprise(unit, username="e", status=status, status_note=note)
    client.force_login(User.objects.get(username="e"))
    text = client.get(MINE).content.decode()
    assert expected in text and note in text


def test_edit_contacts(client, unit):
    enterprise = make_enterprise(unit, username="e")
    user = User.objects.get(username="e")
    client.force_login(user)
    response = client.post(MINE, {"contact_name": "新联系人", "contact_phone": "0728 5221234",
                                  "contact_email": "new@example.com"})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    user.refresh_from_db()
    assert (enterprise.contact_name, enterprise.contact_phone, enterprise.contact_email) == (
        "新联系人", "07285221234", "new@example.com")
    assert user.email == "new@example.com"
    assert "联系人信息已保存" in client.get(MINE).content.decode()


def test_edit_contacts_error_keeps_values(client, unit):
    enterprise = make_enterprise(unit, username="e")
    client.force_login(User.objects.get(username="e"))
    response = client.post(MINE, {"contact_name": "新联系人", "contact_phone": "12345", "contact_email": "x@example.com"})
    text = response.content.decode()
    assert response.status_code == 200 and "联系电话格式不正确" in text and 'value="新联系人"' in text
    enterprise.refresh_from_db()
    assert enterprise.contact_name == "联系人"


def test_enterprise_gets_404_on_another_enterprise(client, unit):
    mine = make_enterprise(unit, username="a")
    other = make_enterprise(unit, username="b")
    client.force_login(User.objects.get(username="a"))
    assert client.get(reverse("enterprises:enterprise_detail", args=[other.pk])).status_code == 404
    own = client.get(reverse("enterprises:enterprise_detail", args=[mine.pk]))
    assert own.status_code == 200 and "确认属于本单位" not in own.content.decode()


def test_enterprise_user_without_enterprise(client):
    client.force_login(make_user("lonely", User.Role.ENTERPRISE))
    assert "当前账号尚未关联企业" in client.get(MINE).content.decode()


def test_other_roles_get_403(client, unit):
    client.force_login(make_user("t", User.Role.TOWNSHIP, unit))
    assert client.get(MINE).status_code == 403
