"""Two people doing the same thing at the same moment: exactly one succeeds and one event is written.

The thread tests need real row locks (SELECT … FOR UPDATE) and one connection per thread, so they run on
PostgreSQL only. The double-POST tests run everywhere.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from tidu.applications import services
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.review import services as review_services
from tidu.review.models import BatchRun
from tidu.review.tests.conftest import IN_WINDOW, login
from tidu.review.tests.lifecycle import drive_to

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE row locks and serialises whole-database writes, "
           "so a race between two connections cannot be reproduced faithfully; run with "
           "DATABASE_URL=postgres://… to exercise it")


def _race(work, count=2):
    """Run ``work(i)`` in ``count`` threads released together; returns [(ok, exception or result)]."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = (True, work(i))
        except Exception as error:  # the loser's refusal is the point of the test
            results[i] = (False, error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_transition_twice_at_once_succeeds_once(app_a, users):
    drive_to(app_a, State.SUBMITTED)
    results = _race(lambda i: services.application_transition(
        application=app_a, action="township_recommend", user=users["x"], reason=f"同意（{i}）"))
    assert sorted(ok for ok, _ in results) == [False, True]
    loser = next(error for ok, error in results if not ok)
    assert isinstance(loser, services.ApplicationError) and "不能“同意推荐”" in loser.message
    app_a.refresh_from_db()
    assert app_a.status == State.TOWNSHIP_RECOMMENDED
    assert app_a.events.filter(action="township_recommend").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_list_is_sent_once_when_two_officers_send_it_at_once(app_a, users, orgs, call):
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    rlist = review_services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entry, = review_services.entries_add(rlist=rlist, applications=[app_a], user=users["x"], now=IN_WINDOW)
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=users["x"],
                                   now=IN_WINDOW)
    review_services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    results = _race(lambda i: review_services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW))
    assert sorted(ok for ok, _ in results) == [False, True]
    loser = next(error for ok, error in results if not ok)
    assert isinstance(loser, review_services.ReviewError) and "不能重复报送" in loser.message
    assert rlist.events.filter(action="send").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_withdrawing_while_the_list_is_signed_cannot_slip_through(app_a, users, orgs, call):
    """撤回推荐 racing 签发: either the sign-off sees the withdrawal or the withdrawal sees the frozen list."""
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    rlist = review_services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entry, = review_services.entries_add(rlist=rlist, applications=[app_a], user=users["x"], now=IN_WINDOW)
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=users["x"],
                                   now=IN_WINDOW)

    def work(i):
        if i == 0:
            return review_services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
        return services.application_transition(application=app_a, action="township_withdraw_recommendation",
                                               user=users["x"], reason="企业要求撤回")

    results = _race(work)
    app_a.refresh_from_db()
    rlist.refresh_from_db()
    assert sum(ok for ok, _ in results) == 1
    loser = next(error for ok, error in results if not ok)
    assert isinstance(loser, review_services.REFUSALS), loser  # a refusal, never a deadlock or a crash
    if rlist.status == "signed":
        assert app_a.status == State.TOWNSHIP_RECOMMENDED and rlist.entries.count() == 1
    else:
        assert app_a.status == State.SUBMITTED and rlist.entries.count() == 0


@pytest.mark.django_db
def test_a_double_post_of_a_formal_review_decides_once(client, app_a, users):
    drive_to(app_a, State.RECEIVED)
    login(client, users["city"])
    url = reverse("review:formal_review", args=[app_a.pk])
    data = {"decision": "formal_fail", "reason": "材料不全"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302
    assert second.status_code == 400 and "不能“形式审查不通过”" in second.content.decode()
    assert app_a.events.filter(action="formal_fail").count() == 1
    assert app_a.formal_reviews.count() == 1


@pytest.mark.django_db
def test_a_double_post_of_sending_a_list_sends_once(client, app_a, users, orgs, call, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    rlist = review_services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entry, = review_services.entries_add(rlist=rlist, applications=[app_a], user=users["x"])
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=users["x"])
    review_services.list_sign(rlist=rlist, user=users["x"])
    login(client, users["x"])
    url = reverse("review:list_send", args=[rlist.pk])
    assert client.post(url).status_code == 302
    second = client.post(url)
    assert second.status_code == 400 and "不能重复报送" in second.content.decode()
    assert rlist.events.filter(action="send").count() == 1


@pytest.mark.django_db
def test_a_double_post_of_a_batch_acts_once_per_application(client, app_a, users, orgs, call, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    rlist = review_services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entry, = review_services.entries_add(rlist=rlist, applications=[app_a], user=users["x"])
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=users["x"])
    review_services.list_sign(rlist=rlist, user=users["x"])
    review_services.list_send(rlist=rlist, user=users["x"])
    login(client, users["city"])
    data = {"call": call.code, "action": "city_receive"}
    client.post(reverse("review:batch"), data)
    client.post(reverse("review:batch"), data)
    assert app_a.events.filter(action="city_receive").count() == 1
    first, second = BatchRun.objects.order_by("pk")
    assert (first.succeeded, second.succeeded, second.failed) == (1, 0, 1)
    assert "不能“受理”" in second.results[0]["message"]
