"""Demo of the review side, built on tidu.applications.demo (runs after it; safe to run again). Which units,
officers and enterprises take part is demo data (tidu/core/demo_data/seed_call.yaml, ``review``).

* The sent list's unit: its enterprises recommended, on a signed 推荐名单 sent to the city on 27 February 2026;
  the city has received them; the first has passed 形式审查 (the officer confirmed the 申报条件 evidence in the
  paper dossier).
* The draft list's unit: its enterprises recommended and on a draft list (not signed yet); any other of its
  applications still awaits review.

An application on the sent list that is still a partial draft (tidu.applications.demo leaves one) is completed
and submitted here (on its ``submit_day``), so that the unit has enough confirmed enterprises on its list.
All business times are injected (inside the 2026 call); no new users are created.
"""

from __future__ import annotations

import datetime as dt

from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import State
from tidu.core.demo import at, demo_data
from tidu.core.timezones import BEIJING
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call
from tidu.review import services
from tidu.review.models import RecommendationList

_DATA = demo_data("seed_call")
CALL_CODE = _DATA["call"]
SENT_LIST, DRAFT_LIST = _DATA["review"]["sent_list"], _DATA["review"]["draft_list"]


def _at(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


RECEIVED_AT = _at(3, 2)  # 受理: the first working day after the township deadline (1 March)


OPINIONS = _DATA["review"]["opinions"]  # username → the unit's 推荐意见


def _application(call, username, submit_day: int | None = None) -> Application | None:
    user = User.objects.filter(username=username).first()
    enterprise = Enterprise.objects.filter(organisation=user.organisation).first() if user else None
    if enterprise is None or not enterprise.is_confirmed:
        return None
    application = Application.objects.filter(enterprise=enterprise, call=call).first()
    if application is None and submit_day is None:
        return None
    if application is None:
        with at(_at(2, submit_day - 2)):
            application = application_services.application_start(enterprise=enterprise, call=call, tier="basic",
                                                                 user=user)
    if application.status == State.DRAFT and submit_day is not None:
        with at(_at(2, submit_day, 9)):
            fill_complete_application(application, user)
        with at(_at(2, submit_day, 10, 30)) as submitted_at:
            application_services.application_submit(application=application, user=user,
                                                     idempotency_key=f"demo-review-{username}", now=submitted_at)
        application.refresh_from_db()
    return application


def _recommend(application, officer, moment):
    if application is not None and application.status == State.SUBMITTED:
        with at(moment):
            application_services.application_transition(application=application, action="township_recommend",
                                                        user=officer, reason="经审核，材料齐全，同意推荐")
        application.refresh_from_db()


def _list(call, unit, officer, applications, usernames, *, send: bool, moment):
    with at(moment):
        return _list_at(call, unit, officer, applications, usernames, send=send, moment=moment)


def _list_at(call, unit, officer, applications, usernames, *, send: bool, moment):
    rlist = RecommendationList.objects.filter(call=call, unit=unit).first() or \
        services.list_for(call=call, unit=unit, user=officer)
    if rlist.status not in (RecommendationList.Status.DRAFT, RecommendationList.Status.REOPENED):
        return rlist
    missing = [a for a in applications if a is not None and a.status == State.TOWNSHIP_RECOMMENDED
               and not rlist.entries.filter(application=a).exists()]
    if missing:
        services.entries_add(rlist=rlist, applications=missing, user=officer, now=moment)
    entries = list(rlist.entries.select_related("application__enterprise__organisation"))
    opinions = {}
    for entry in entries:
        username = next((name for name, a in zip(usernames, applications, strict=True)
                         if a is not None and a.pk == entry.application_id), None)
        if username and not entry.opinion:
            opinions[entry.pk] = OPINIONS[username]
    services.entries_update(rlist=rlist, order=[e.pk for e in entries], opinions=opinions, user=officer, now=moment)
    if send and entries:
        services.list_sign(rlist=rlist, user=officer, now=moment)
        with at(moment + dt.timedelta(minutes=30)) as sent_at:
            services.list_send(rlist=rlist, user=officer, now=sent_at)
    rlist.refresh_from_db()
    return rlist


def load(out) -> list[tuple[str, str, str]]:
    call = Call.objects.filter(code=CALL_CODE).first()
    if call is None:
        out.write("审核推荐：未载入 2026 年批次（先运行 tidu load_policy），跳过\n")
        return []
    city = User.objects.filter(username="city").first()
    sender = User.objects.filter(username=SENT_LIST["officer"]).first()
    drafter = User.objects.filter(username=DRAFT_LIST["officer"]).first()
    if not (city and sender and drafter):
        out.write(f"审核推荐：缺少演示账号（city、{SENT_LIST['officer']}、{DRAFT_LIST['officer']}），跳过\n")
        return []

    # The sent list's unit: recommended, list signed and sent, all received, the first formal-passed.
    usernames = [row["username"] for row in SENT_LIST["applications"]]
    sent = [_application(call, row["username"], submit_day=row.get("submit_day")) for row in SENT_LIST["applications"]]
    for application in sent:
        _recommend(application, sender, _at(2, 26, 9))
    unit = Organisation.objects.get(name=SENT_LIST["unit"], kind__in=Organisation.UNIT_KINDS)
    rlist = _list(call, unit, sender, sent, usernames, send=True, moment=_at(2, 27, 9))
    if rlist.status == RecommendationList.Status.SENT:
        for application in sent:
            if application is not None and application.status == State.TOWNSHIP_RECOMMENDED:
                with at(RECEIVED_AT):
                    services.city_receive(application=application, user=city)
                application.refresh_from_db()
    first = sent[0] if sent else None
    if first is not None and first.status == State.RECEIVED:
        items = services.formal_checklist(first)
        with at(_at(3, 20, 15)):
            services.formal_review_decide(
                application=first, user=city, decision="formal_pass", checked={item.key: True for item in items},
                override_reasons={item.key: "纸质申报材料（一式两份）中已附该项佐证，核对无误" for item in items
                                  if not item.engine_checked},
                    reason="材料齐全，符合申报条件", now=_at(3, 20, 15))

    # The draft list's unit: recommended, on a draft list; any other still to review.
    usernames = [row["username"] for row in DRAFT_LIST["applications"]]
    drafted = [_application(call, username) for username in usernames]
    for application in drafted:
        _recommend(application, drafter, _at(2, 24, 15))
    zone = Organisation.objects.get(name=DRAFT_LIST["unit"], kind__in=Organisation.UNIT_KINDS)
    _list(call, zone, drafter, drafted, usernames, send=False, moment=_at(2, 25, 16))

    lists = RecommendationList.objects.filter(call=call).select_related("unit")
    out.write("审核推荐：" + "；".join(f"{rl.unit.name}推荐名单 {rl.get_status_display()}（{rl.entries.count()} 家）"
                                   for rl in lists) + "\n")
    return []
