import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from tidu.accounts import permissions
from tidu.accounts.models import Organisation, User
from tidu.accounts.tests.factories import make_city_office, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return make_unit()


def test_predicates(unit):
    enterprise_org = Organisation.objects.create(name="某企业", kind=Organisation.Kind.ENTERPRISE, parent=unit)
    company = make_user("c", User.Role.ENTERPRISE, enterprise_org)
    officer = make_user("t", User.Role.TOWNSHIP, unit)
    city = make_user("city", User.Role.CITY, make_city_office())
    expert = make_user("e", User.Role.EXPERT)
    admin = make_user("root", User.Role.ENTERPRISE, is_superuser=True)
    anonymous = AnonymousUser()

    assert permissions.is_enterprise_user(company) and not permissions.is_enterprise_user(officer)
    assert permissions.is_township_user(officer) and not permissions.is_township_user(city)
    assert permissions.is_city_user(city) and not permissions.is_city_user(expert)
    # 系统管理员 is not a business role (separation of duties): not city, whatever role is stored on it.
    assert not permissions.is_city_user(admin) and not permissions.is_city_user(make_user("root2", User.Role.ADMIN))
    assert permissions.is_expert(expert) and not permissions.is_expert(company)
    assert permissions.is_admin(admin) and not permissions.is_admin(city)
    assert permissions.role_of(anonymous) is None
    assert not any(check(anonymous) for check in (permissions.is_enterprise_user, permissions.is_township_user,
                                                 permissions.is_city_user, permissions.is_expert))

    assert permissions.unit_of(officer) == unit
    assert permissions.unit_of(company) == unit
    assert permissions.unit_of(city) is None
    assert permissions.unit_of(expert) is None
    assert permissions.unit_of(anonymous) is None


def test_township_user_attached_to_a_non_unit_has_no_unit():
    officer = make_user("t", User.Role.TOWNSHIP, make_city_office())
    assert permissions.unit_of(officer) is None


def test_role_required():
    @permissions.role_required(User.Role.TOWNSHIP, User.Role.CITY)
    def view(request):
        return HttpResponse("ok")

    factory = RequestFactory()
    request = factory.get("/somewhere/?x=1")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302 and "next=/somewhere/%3Fx%3D1" in response["Location"]

    request.user = make_user("t", User.Role.TOWNSHIP, make_unit())
    assert view(request).status_code == 200

    request.user = make_user("e", User.Role.EXPERT)
    with pytest.raises(PermissionDenied):
        view(request)


def test_forbidden_page_is_chinese(client):
    client.force_login(make_user("e", User.Role.EXPERT))
    from django.urls import reverse

    response = client.get(reverse("enterprises:unit_enterprises"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
