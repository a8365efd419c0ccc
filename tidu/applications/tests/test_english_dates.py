"""Dates follow the locale (settings.FORMAT_MODULE_PATH): 2026年2月20日 in Chinese, 20 Feb 2026 in English."""

import re

import pytest

from tidu import testing
from tidu.accounts.models import User

pytestmark = pytest.mark.django_db
CHINESE_DATE = re.compile(r"\d+\s*年\s*\d+\s*月\s*\d+\s*日")


@pytest.fixture
def world(settings):
    settings.TIDU_NOW = "2026-02-20T10:00:00+08:00"
    town = testing.unit("岳口镇", kind=testing.Organisation.Kind.TOWNSHIP)
    testing.officer(town, "yuekou")
    enterprise = testing.enterprise(town, "天门市华楚精密机械有限公司")
    owner = testing.enterprise_user(enterprise, "huachu")
    application = testing.application(enterprise, user=owner)
    return {"owner": owner, "application": application, "officer": User.objects.get(username="yuekou")}


def pages(world):
    # (The call page quotes the notice, whose Chinese text has dates of its own: policy text stays Chinese.)
    return [(None, "/"), (world["owner"], "/applications/"),
            (world["officer"], "/review/township/")]


@pytest.mark.parametrize("language, expect_chinese", [("en", False), ("zh-hans", True)])
def test_dates_follow_the_locale(client, world, language, expect_chinese):
    client.cookies["django_language"] = language
    seen_dates = 0
    for who, url in pages(world):
        client.logout()
        if who is not None:
            client.force_login(who)
        text = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        found = CHINESE_DATE.findall(text)
        if expect_chinese:
            seen_dates += len(found)
        else:
            assert not found, f"{url} in English shows {found[:3]}"
            seen_dates += len(re.findall(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b", text))
    assert seen_dates > 0


@pytest.mark.parametrize("language, expect_chinese", [("en", False), ("zh-hans", True)])
def test_a_revision_due_date_follows_the_locale(client, world, language, expect_chinese):
    """补正期限 on the enterprise's own list, its section pages and the township's dashboard (a 2026年3月6日 on an
    English page was seen in a walk)."""
    application = testing.drive_to(world["application"], testing.State.RETURNED)
    assert application.revision_due is not None
    client.cookies["django_language"] = language
    for who, url in [(world["owner"], "/applications/"), (world["owner"], f"/applications/{application.pk}/basic/"),
                     (world["officer"], "/review/township/")]:
        client.force_login(who)
        text = client.get(url).content.decode()
        due = application.revision_due
        english_due = f"{due.day} {due:%b} {due.year}"
        chinese_due = f"{due.year}年{due.month}月{due.day}日"
        assert (chinese_due in text) == expect_chinese, url
        assert (english_due in text) != expect_chinese, url
        if not expect_chinese:  # the notice's own clause text, quoted, stays Chinese
            own = re.sub(r'<div class="clause-text">.*?</div>', "", text, flags=re.S)
            assert not CHINESE_DATE.findall(own), f"{url} in English shows {CHINESE_DATE.findall(own)[:3]}"
