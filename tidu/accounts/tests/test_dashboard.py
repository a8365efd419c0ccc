import pytest
from django.urls import NoReverseMatch, reverse

from tidu.accounts.models import User
from tidu.accounts.tests.factories import make_city_office, make_unit, make_user

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("accounts:dashboard")


def enterprise_home() -> str:
    try:
        return reverse("applications:home")
    except NoReverseMatch:
        return reverse("enterprises:my_enterprise")


@pytest.mark.parametrize(("role", "expected"), [
    (User.Role.TOWNSHIP, lambda: reverse("review:township_dashboard")),
    (User.Role.CITY, lambda: reverse("review:intake")),
    (User.Role.ADMIN, lambda: reverse("admin:index")),  # accounts and policy; no application content
    (User.Role.EXPERT, lambda: reverse("experts:my_assignments")),
    (User.Role.ENTERPRISE, enterprise_home),
])
def test_dashboard_redirects_by_role(client, role, expected):
    client.force_login(make_user(f"user-{role}", role, make_unit() if role == User.Role.TOWNSHIP else None))
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == expected()


def test_superuser_lands_on_the_admin_site_whatever_its_stored_role(client):
    client.force_login(make_user("root", User.Role.ENTERPRISE, is_superuser=True, is_staff=True))
    assert client.get(DASHBOARD)["Location"] == reverse("admin:index")


def test_dashboard_needs_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={DASHBOARD}"


def test_profile_shows_name_role_organisation_and_password_link(client):
    office = make_city_office()
    client.force_login(make_user("city", User.Role.CITY, office, first_name="周敏", phone="13907280000"))
    text = client.get(reverse("accounts:profile")).content.decode()
    assert "周敏" in text and "市经信局经办人" in text
    assert "天门市经信局 · 中小企业科" in text
    assert reverse("accounts:password_change") in text


def test_expert_profile(client):
    client.force_login(make_user("expert1", User.Role.EXPERT, first_name="张卫东"))
    text = client.get(reverse("accounts:profile")).content.decode()
    assert "评审专家" in text and "张卫东" in text and "未关联组织" in text


def test_nav_shows_user_and_logout_form_when_logged_in(client):
    client.force_login(make_user("expert1", User.Role.EXPERT, first_name="张卫东"))
    text = client.get(reverse("accounts:profile")).content.decode()
    assert "张卫东（评审专家）" in text
    assert f'action="{reverse("accounts:logout")}" method="post"' in text


def test_nav_shows_login_and_register_links_when_anonymous(client):
    text = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:login")}"' in text
    assert f'href="{reverse("enterprises:register")}"' in text
