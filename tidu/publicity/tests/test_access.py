"""Who may open which 公示 page: the public pages are open, the city's pages are for city and admin only."""

import pytest
from django.urls import reverse

from tidu.accounts.models import User
from tidu.publicity import services
from tidu.publicity.models import CalendarDay, Publicity
from tidu.publicity.tests.conftest import DURING, START, entry_of


@pytest.fixture
def objection(published, verified):
    return services.objection_submit(publicity=published, entry=entry_of(published, verified["a"]), name="张三",
                                     phone="13900001111", email="", client_address="203.0.113.1", now=DURING,
                                     content="该企业申报的在线视觉检测场景实际并未投入使用，请核实。")


@pytest.fixture
def city_pages(published, objection, city):
    day = CalendarDay.objects.create(date=START.replace(day=6), kind="holiday", created_by=city)
    pk = published.pk
    get = [reverse("publicity:manage_list"), reverse("publicity:create"), reverse("publicity:calendar"),
           reverse("publicity:manage_detail", args=[pk]), reverse("publicity:edit", args=[pk]),
           reverse("publicity:objection", args=[objection.pk])]
    post = [reverse("publicity:delete", args=[pk]), reverse("publicity:add_entries", args=[pk]),
            reverse("publicity:remove_entry", args=[pk, published.entries.first().pk]),
            reverse("publicity:publish", args=[pk]), reverse("publicity:finalise", args=[pk]),
            reverse("publicity:entry_reject", args=[objection.pk]),
            reverse("publicity:calendar_delete", args=[day.pk]), reverse("publicity:objection", args=[objection.pk])]
    return get, post


def test_anonymous_visitors_are_sent_to_login(client, city_pages):
    get, post = city_pages
    for url in get:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    for url in post:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize("role", ["a", "x", "expert"])
def test_other_roles_are_refused(client, world, city_pages, role):
    client.force_login(world["users"][role])
    get, post = city_pages
    for url in get:
        assert client.get(url).status_code == 403, url
    for url in post:
        assert client.post(url).status_code == 403, url
    assert Publicity.objects.get().status == Publicity.Status.PUBLISHED
    assert CalendarDay.objects.count() == 1


def test_the_city_opens_every_page_and_admin_none(client, world, city_pages, city):
    client.force_login(city)
    for url in city_pages[0]:
        assert client.get(url).status_code in (200, 302), url
    # 系统管理员 is not a business role (separation of duties): objections, drafts and entries are the city's.
    client.force_login(User.objects.create_user(username="root", password="x", role=User.Role.ADMIN))
    for url in city_pages[0]:
        assert client.get(url).status_code == 403, url


def test_public_pages_need_no_login(client, published, settings):
    settings.TIDU_NOW = DURING.isoformat()
    assert client.get(reverse("publicity:public_list")).status_code == 200
    assert client.get(reverse("publicity:public_detail", args=[published.pk])).status_code == 200
    assert client.get(reverse("publicity:public_detail", args=[999999])).status_code == 404


def test_the_nav_shows_city_links_only_to_the_city(rf, world, city):
    from django.contrib.auth.models import AnonymousUser

    from tidu.core.nav import site_nav

    def nav(user):
        return site_nav({"user": user, "request": rf.get("/")})

    assert "公示管理" not in nav(AnonymousUser())
    assert "统计看板" not in nav(world["users"]["x"])
    assert "公示公告" in nav(world["users"]["x"])
    assert "统计看板" in nav(city) and "公示管理" in nav(city)
