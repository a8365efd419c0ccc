"""Every enterprise operation writes exactly one audit row; check() refuses wrong roles (403) and states (Chinese)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tidu.accounts.models import Organisation, User
from tidu.accounts.tests.factories import make_city_office, make_unit, make_user
from tidu.core.models import AuditEntry
from tidu.core.operations import operation
from tidu.enterprises import services
from tidu.enterprises.errors import EnterpriseError
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.codes import code
from tidu.enterprises.tests.factories import make_enterprise

pytestmark = pytest.mark.django_db
Status = Enterprise.Status


@pytest.fixture
def world():
    yuekou = make_unit("岳口镇")
    zone = make_unit("天门经济开发区", Organisation.Kind.DEVELOPMENT_ZONE)
    return {
        "yuekou": yuekou,
        "officer": make_user("yuekou", User.Role.TOWNSHIP, yuekou),
        "other_officer": make_user("kaifaqu", User.Role.TOWNSHIP, zone),
        "city": make_user("city", User.Role.CITY, make_city_office()),
        "pending": make_enterprise(yuekou, "岳口甲公司", username="a"),
        "confirmed": make_enterprise(yuekou, "岳口乙公司", username="b", status=Status.CONFIRMED),
    }


def only_row(**filters) -> AuditEntry:
    rows = list(AuditEntry.objects.filter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


def shape(row):
    return row.actor, row.actor_role, row.action, row.from_status, row.to_status


def test_registration_is_audited_as_the_public(world):
    enterprise, user = services.enterprise_register(
        name="天门市楚天精工机械有限公司", credit_code=code(901), legal_status="legal_person", industry_code="C3484",
        unit=world["yuekou"], contact_name="刘洋", contact_phone="13907281234", username="chutian",
        password="Tianmen-Huachu-2026", contact_email="liuyang@example.com")
    row = only_row(object_type="enterprise")
    assert shape(row) == (None, "public", "enterprise.register", "", "pending")
    assert row.object_id == str(enterprise.pk) and row.detail["user_id"] == user.pk
    assert "Tianmen-Huachu-2026" not in str(row.detail)


def test_registration_tells_the_units_officers_where_to_confirm(world, django_capture_on_commit_callbacks):
    from tidu.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        enterprise, _ = services.enterprise_register(
            name="天门市楚天精工机械有限公司", credit_code=code(902), legal_status="legal_person",
            industry_code="C3484", unit=world["yuekou"], contact_name="刘洋", contact_phone="13907281234",
            username="chutian2", password="Tianmen-Huachu-2026")
    notice = Notification.objects.get(kind="enterprise.registered")
    assert notice.recipient == world["officer"] and enterprise.name in notice.title
    assert notice.link == reverse("enterprises:unit_enterprises") + "?status=pending"
    assert not Notification.objects.filter(recipient=world["other_officer"]).exists()


def test_a_refused_registration_writes_nothing(world):
    with pytest.raises(ValidationError):
        services.enterprise_register(
            name="", credit_code="bad", legal_status="legal_person", industry_code="C3484", unit=world["yuekou"],
            contact_name="刘洋", contact_phone="13907281234", username="x", password="Tianmen-Huachu-2026")
    assert not AuditEntry.objects.exists()


def test_confirm_and_reject_are_audited(world):
    officer = world["officer"]
    services.enterprise_reject(world["pending"], officer, "注册地不在本镇")
    row = only_row(action="enterprise.reject")
    assert shape(row) == (officer, "township", "enterprise.reject", "pending", "rejected")
    assert row.reason == "注册地不在本镇"
    services.enterprise_confirm(world["pending"], officer)  # a rejected registration may be confirmed later
    assert shape(only_row(action="enterprise.confirm")) == (officer, "township", "enterprise.confirm",
                                                             "rejected", "confirmed")


def test_contact_change_is_audited_with_what_changed(world):
    user = User.objects.get(username="b")
    services.enterprise_update_contacts(world["confirmed"], user, contact_name="新联系人", contact_phone="13907285678",
                                        contact_email="new@example.com")
    row = only_row(action="enterprise.update_contact")
    assert shape(row) == (user, "enterprise", "enterprise.update_contact", "confirmed", "confirmed")
    assert row.detail["changed"]["contact_name"] == ["联系人", "新联系人"]
    assert row.detail["changed"]["user_email"] == ["b@example.com", "new@example.com"]


@pytest.mark.parametrize("who", ["other_officer", "city"])
def test_wrong_roles_and_units_are_forbidden(world, who):
    user = world[who]
    verdict = operation("enterprise.confirm", world["pending"]).check(user)
    assert not verdict and verdict.forbidden
    with pytest.raises(PermissionDenied):
        services.enterprise_confirm(world["pending"], user)
    with pytest.raises(PermissionDenied):
        services.enterprise_update_contacts(world["pending"], user, contact_name="x", contact_phone="13907285678",
                                            contact_email="")
    assert not AuditEntry.objects.exists()


def test_another_enterprise_cannot_change_the_contacts(world):
    with pytest.raises(PermissionDenied):
        services.enterprise_update_contacts(world["pending"], User.objects.get(username="b"), contact_name="x",
                                            contact_phone="13907285678", contact_email="")


def test_wrong_states_are_refused_in_chinese(world):
    officer = world["officer"]
    verdict = operation("enterprise.reject", world["confirmed"]).check(officer)
    assert not verdict.forbidden and verdict.reason == "只有“待乡镇确认”的企业可以退回，该企业当前为“已确认”。"
    with pytest.raises(EnterpriseError, match="该企业已经确认，无需重复确认"):
        services.enterprise_confirm(world["confirmed"], officer)
    assert not AuditEntry.objects.exists()


def test_the_buttons_follow_the_check(client, world):
    client.force_login(world["officer"])
    page = client.get(reverse("enterprises:enterprise_detail", args=[world["confirmed"].pk])).content.decode()
    assert "确认属于本单位" not in page and "退回（不予确认）" not in page
    page = client.get(reverse("enterprises:enterprise_detail", args=[world["pending"].pk])).content.decode()
    assert "确认属于本单位" in page and "退回（不予确认）" in page


def test_a_correction_in_the_admin_is_audited_and_the_confirmation_is_not_editable(client, world):
    root = make_user("root", User.Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)
    enterprise = world["pending"]
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = {"name": "岳口甲有限公司", "credit_code": enterprise.credit_code, "legal_status": enterprise.legal_status,
            "industry_code": enterprise.industry_code, "registered_region": enterprise.registered_region,
            "address": "", "legal_representative": "", "contact_name": enterprise.contact_name,
            "contact_phone": enterprise.contact_phone, "contact_email": enterprise.contact_email,
            "status": "confirmed"}  # read-only in the admin: ignored
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    enterprise.refresh_from_db()
    assert enterprise.name == "岳口甲有限公司" and enterprise.status == Status.PENDING
    row = only_row()
    assert shape(row) == (root, "admin", "enterprise.correct", "pending", "pending")
    assert row.detail == {"changed": {"name": ["岳口甲公司", "岳口甲有限公司"]}}
