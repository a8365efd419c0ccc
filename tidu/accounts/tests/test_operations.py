"""Account and organisation changes: one audit row each, through the services and through Django's admin."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tidu.accounts import services
from tidu.accounts.errors import AccountsError
from tidu.accounts.models import Organisation, User
from tidu.accounts.tests.factories import make_city_office, make_unit, make_user
from tidu.core.models import AuditEntry
from tidu.core.operations import operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return make_user("root", User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def officer():
    return make_user("yuekou", User.Role.TOWNSHIP, make_unit("岳口镇"))


def only_row(**filters) -> AuditEntry:
    rows = list(AuditEntry.objects.filter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


def shape(row):
    return row.actor, row.actor_role, row.action, row.from_status, row.to_status


def test_role_change_is_audited(admin_user, officer):
    office = make_city_office()
    services.user_change_role(user=officer, by_user=admin_user, role=User.Role.CITY, organisation=office)
    row = only_row(action="user.change_role")
    assert shape(row) == (admin_user, "admin", "user.change_role", "township", "city")
    assert row.detail["changed"]["organisation_id"] == [officer.organisation_id, office.pk]
    officer.refresh_from_db()
    assert officer.role == User.Role.CITY and officer.organisation == office


def test_activation_and_contact_are_audited(admin_user, officer):
    services.user_deactivate(user=officer, by_user=admin_user)
    assert shape(only_row(action="user.deactivate")) == (admin_user, "admin", "user.deactivate", "active", "inactive")
    services.user_activate(user=officer, by_user=admin_user)
    assert shape(only_row(action="user.activate")) == (admin_user, "admin", "user.activate", "inactive", "active")
    services.user_update_contact(user=officer, by_user=admin_user, phone="13907280000")
    row = only_row(action="user.update_contact")
    assert row.detail == {"changed": {"phone": ["", "13907280000"]}}


@pytest.mark.parametrize("role", [User.Role.CITY, User.Role.TOWNSHIP, User.Role.ENTERPRISE, User.Role.EXPERT])
def test_only_an_administrator_changes_accounts(officer, role):
    actor = make_user(f"someone-{role}", role)
    assert operation("user.change_role", officer).check(actor).forbidden
    with pytest.raises(PermissionDenied):
        services.user_change_role(user=officer, by_user=actor, role=User.Role.CITY)
    with pytest.raises(PermissionDenied):
        services.user_deactivate(user=officer, by_user=actor)
    assert not AuditEntry.objects.exists()


def test_refusals_are_in_chinese(admin_user, officer):
    with pytest.raises(AccountsError, match="不能停用自己的账号"):
        services.user_deactivate(user=admin_user, by_user=admin_user)
    officer = services.user_deactivate(user=officer, by_user=admin_user)
    verdict = operation("user.deactivate", officer).check(admin_user)
    assert not verdict.forbidden and verdict.reason == "账号“yuekou”已停用"
    with pytest.raises(AccountsError, match="不能变更自己的角色"):
        services.user_change_role(user=admin_user, by_user=admin_user, is_superuser=False)
    assert only_row().action == "user.deactivate"


# --- Django admin ------------------------------------------------------------------------------------------

def admin_form(user: User, **changes) -> dict:
    data = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "is_active": "on" if user.is_active else "", "is_staff": "on" if user.is_staff else "",
            "is_superuser": "on" if user.is_superuser else "", "role": user.role,
            "organisation": user.organisation_id or "", "phone": user.phone,
            "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00"}
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_role_change_in_the_admin_is_audited(client, admin_user, officer):
    office = make_city_office()
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    response = client.post(url, admin_form(officer, role=User.Role.CITY, organisation=office.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    officer.refresh_from_db()
    assert officer.role == User.Role.CITY and officer.organisation == office
    row = only_row(action="user.change_role")
    assert shape(row) == (admin_user, "admin", "user.change_role", "township", "city")
    assert not AuditEntry.objects.exclude(action="user.change_role").exists()


def test_deactivating_in_the_admin_is_audited(client, admin_user, officer):
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_user_change", args=[officer.pk]),
                           admin_form(officer, is_active="", email="new@example.com"))
    assert response.status_code == 302
    assert shape(only_row(action="user.deactivate"))[2:] == ("user.deactivate", "active", "inactive")
    assert only_row(action="user.update_contact").detail == {
        "changed": {"email": ["yuekou@example.com", "new@example.com"]}}


def test_saving_unchanged_in_the_admin_writes_nothing(client, admin_user, officer):
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_user_change", args=[officer.pk]), admin_form(officer))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


def test_organisation_changes_in_the_admin_are_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_organisation_add"), {"name": "多宝镇", "kind": "township",
                                                                        "is_active": "on"})
    assert response.status_code == 302
    unit = Organisation.objects.get(name="多宝镇")
    assert shape(only_row(action="organisation.create")) == (admin_user, "admin", "organisation.create", "", "active")
    response = client.post(reverse("admin:accounts_organisation_change", args=[unit.pk]),
                           {"name": "多宝镇", "kind": "township"})  # 启用 unticked
    assert response.status_code == 302
    row = only_row(action="organisation.update")
    assert shape(row)[3:] == ("active", "inactive") and row.detail == {"changed": {"is_active": [True, False]}}


def test_an_account_added_in_the_admin_is_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "newcomer", "password1": "Tianmen-Huachu-2026", "password2": "Tianmen-Huachu-2026",
        "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newcomer")
    row = only_row(action="user.create")
    assert shape(row) == (admin_user, "admin", "user.create", "", User.Role.ENTERPRISE)
    assert row.object_id == str(user.pk) and user.check_password("Tianmen-Huachu-2026")


def test_the_admin_cannot_delete_accounts_or_organisations(client):
    """Deactivating is the audited way; a deleted account would leave the record without its actor."""
    from django.urls import reverse

    from tidu.accounts.models import Organisation, User

    boss = User.objects.create_superuser("root-admin", "root@tidu.example", "x")
    unit = Organisation.objects.create(name="多宝镇", kind=Organisation.Kind.TOWNSHIP)
    officer = User.objects.create_user("duobao", role=User.Role.TOWNSHIP, organisation=unit)
    client.force_login(boss)
    for url in (reverse("admin:accounts_user_delete", args=[officer.pk]),
                reverse("admin:accounts_organisation_delete", args=[unit.pk])):
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=officer.pk).exists() and Organisation.objects.filter(pk=unit.pk).exists()
