import pytest
from django.contrib.auth.models import AnonymousUser

from tidu.accounts.models import User
from tidu.accounts.tests.factories import make_city_office, make_unit, make_user
from tidu.enterprises.selectors import enterprise_of, enterprises_visible_to, status_counts
from tidu.enterprises.tests.factories import make_enterprise

pytestmark = pytest.mark.django_db


def test_visibility_by_role():
    x, y = make_unit("岳口镇"), make_unit("多宝镇")
    a, b, c = make_enterprise(x, username="a"), make_enterprise(x, username="b"), make_enterprise(y, username="c")
    a_user = User.objects.get(username="a")

    assert list(enterprises_visible_to(a_user)) == [a]
    assert set(enterprises_visible_to(make_user("tx", User.Role.TOWNSHIP, x))) == {a, b}
    assert set(enterprises_visible_to(make_user("ty", User.Role.TOWNSHIP, y))) == {c}
    assert set(enterprises_visible_to(make_user("city", User.Role.CITY, make_city_office()))) == {a, b, c}
    # 系统管理员 (a superuser too, whatever role is stored on it) sees no enterprise: not a business role.
    assert not enterprises_visible_to(make_user("root", User.Role.ADMIN)).exists()
    assert not enterprises_visible_to(make_user("su", User.Role.CITY, is_superuser=True)).exists()
    assert not enterprises_visible_to(make_user("e", User.Role.EXPERT)).exists()
    assert not enterprises_visible_to(make_user("t0", User.Role.TOWNSHIP)).exists()
    assert not enterprises_visible_to(make_user("c0", User.Role.ENTERPRISE)).exists()
    assert not enterprises_visible_to(AnonymousUser()).exists()

    assert enterprise_of(a_user) == a
    assert enterprise_of(make_user("t1", User.Role.TOWNSHIP, x)) is None
    assert enterprise_of(AnonymousUser()) is None


def test_status_counts():
    x = make_unit("岳口镇")
    make_enterprise(x)
    make_enterprise(x, status="confirmed")
    make_enterprise(x, status="confirmed")
    counts = status_counts(enterprises_visible_to(make_user("tx", User.Role.TOWNSHIP, x)))
    assert counts == [("pending", "待乡镇确认", 1), ("confirmed", "已确认", 2), ("rejected", "未通过确认", 0)]
