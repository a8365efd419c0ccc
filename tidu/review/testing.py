"""Test-data helpers for any app's tests: put applications where the review side's rules want them.

The city receives (受理) only from a unit's sent 推荐名单 (``tidu.review.rules``). Tests of later steps (专家评审,
现场核查, 公示) that drive an application through 受理 call ``put_on_sent_list`` first, or ``receive`` for both.
"""

from __future__ import annotations

import datetime as dt

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.review import services


def _officer(application: Application) -> User:
    return User.objects.filter(role=User.Role.TOWNSHIP, is_active=True,
                               organisation_id=application.enterprise.organisation.parent_id).first()


def put_on_sent_list(*applications: Application, now: dt.datetime | None = None,
                     reason: str = "补充列入（测试数据）"):
    """Put these 乡镇已推荐 applications (one unit) on the unit's list and send it; a frozen list is first reopened
    by a city officer with ``reason``. Times default to the last minute before the township deadline."""
    first = applications[0]
    officer = _officer(first)
    city = User.objects.filter(role=User.Role.CITY, is_active=True).first()
    now = now or first.call.township_deadline_before - dt.timedelta(minutes=1)
    rlist = services.list_for(call=first.call, unit=first.enterprise.unit, user=officer)
    if rlist.is_frozen:
        services.list_reopen(rlist=rlist, user=city, reason=reason, now=now)
    missing = [a for a in applications if not rlist.entries.filter(application=a).exists()]
    if missing:
        services.entries_add(rlist=rlist, applications=missing, user=officer, now=now)
    entries = list(rlist.entries.all())
    services.entries_update(rlist=rlist, order=[e.pk for e in entries],
                            opinions={e.pk: "同意推荐" for e in entries if not e.opinion}, user=officer, now=now)
    services.list_sign(rlist=rlist, user=officer, now=now)
    return services.list_send(rlist=rlist, user=officer, now=now)


def receive(application: Application, user=None, **kwargs):
    """受理 the way the city does it: on the unit's sent list first."""
    put_on_sent_list(application, **kwargs)
    user = user or User.objects.filter(role=User.Role.CITY, is_active=True).first()
    return application_services.application_transition(application=application, action="city_receive", user=user)
