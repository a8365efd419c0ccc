"""Notices: delivered on commit, deduplicated, listed, marked read; the nav badge; who hears about what."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from tidu.applications.workflow import State
from tidu.notifications import services
from tidu.notifications.models import Notification
from tidu.review.tests.conftest import login
from tidu.review.tests.lifecycle import drive_to, transition

pytestmark = pytest.mark.django_db


def test_notify_delivers_only_on_commit(django_capture_on_commit_callbacks, users):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify([users["x"]], kind="test", title="标题", body="内容", link="/review/township/")
    assert not Notification.objects.exists() and len(callbacks) == 1
    callbacks[0]()
    notice = Notification.objects.get()
    assert (notice.recipient, notice.title, notice.emailed) == (users["x"], "标题", True)
    assert mail.outbox[0].subject == "【智能工厂申报】标题" and "/review/township/" in mail.outbox[0].body


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks, users):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.notify([users["x"]], kind="test", title="不应发出")
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Notification.objects.exists() and mail.outbox == []


def test_deliver_dedupes_and_skips_inactive_users(users, settings):
    settings.TIDU_SITE_URL = "https://tidu.example.gov.cn"
    users["y"].is_active = False
    users["y"].save()
    first = services.deliver([users["x"], users["y"]], kind="r", title="提醒", link="/x/", dedupe_key="k1")
    second = services.deliver([users["x"]], kind="r", title="提醒", link="/x/", dedupe_key="k1")
    assert [n.recipient for n in first] == [users["x"]] and second == []
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    assert "https://tidu.example.gov.cn/x/" in mail.outbox[0].body


def test_submission_notifies_the_units_township_officers(django_capture_on_commit_callbacks, app_a, users):
    with django_capture_on_commit_callbacks(execute=True):
        drive_to(app_a, State.SUBMITTED)
    notice = Notification.objects.get(kind="application.submitted")
    assert notice.recipient == users["x"] and app_a.enterprise.name in notice.title
    assert notice.link == reverse("applications:review", args=[app_a.pk])
    assert not Notification.objects.filter(recipient=users["y"]).exists()


def test_decisions_reach_the_enterprise_and_resubmission_reaches_who_returned_it(
        django_capture_on_commit_callbacks, app_a, users):
    drive_to(app_a, State.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        transition(app_a, "city_return", "city")
    assert Notification.objects.filter(recipient=users["a"], kind="application.city_return").exists()
    from tidu.review.tests.lifecycle import submit

    with django_capture_on_commit_callbacks(execute=True):
        submit(app_a)
    notice = Notification.objects.get(kind="application.resubmitted")
    assert notice.recipient == users["city"]
    assert notice.link == reverse("review:formal_review", args=[app_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        transition(app_a, "formal_pass", "city")
    assert Notification.objects.filter(recipient=users["a"], kind="application.formal_pass").exists()


def test_township_recommendation_reaches_the_enterprise(django_capture_on_commit_callbacks, app_a, users):
    drive_to(app_a, State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        transition(app_a, "township_recommend", "township")
    assert Notification.objects.filter(recipient=users["a"], kind="application.township_recommend").exists()


def test_the_list_page_and_marking_read(client, users):
    mine = services.deliver([users["x"]], kind="t", title="我的通知一", link="/review/township/")[0]
    services.deliver([users["x"]], kind="t", title="我的通知二")
    other = services.deliver([users["y"]], kind="t", title="别人的通知")[0]
    login(client, users["x"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "我的通知一" in page and "我的通知二" in page and "别人的通知" not in page
    assert "2 条未读" in page
    assert 'class="nav-badge"' in page  # the badge in the nav
    # opening a notice marks it read and follows its link
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/review/township/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    # another person's notice does not exist for me
    assert client.get(reverse("notifications:open", args=[other.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    assert "我的通知二" in client.get(reverse("notifications:list") + "?show=unread").content.decode()
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert services.unread_count(users["x"]) == 0
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'class="nav-badge"' not in page


def test_mark_one_read(client, users):
    notice = services.deliver([users["x"]], kind="t", title="一条")[0]
    login(client, users["x"])
    client.post(reverse("notifications:read", args=[notice.pk]), {"next": "https://evil.example/"})
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_an_outside_link_is_not_followed(client, users):
    notice = services.deliver([users["x"]], kind="t", title="外链", link="https://evil.example/")[0]
    login(client, users["x"])
    assert client.get(reverse("notifications:open", args=[notice.pk]))["Location"] == reverse("notifications:list")


def test_anonymous_visitors_log_in_first(client):
    assert client.get(reverse("notifications:list")).status_code == 302
