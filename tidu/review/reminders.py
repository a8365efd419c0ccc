"""The review domain's deadline reminder (registered with notifications in ReviewConfig.ready).

乡镇推荐截止 → the township officers of every unit whose 推荐名单 has not been sent yet, 7, 3 and 1 days before.
补正期限 → the enterprise, 3 working days and 1 day before; after it, the reviewers who returned the application.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_noop

from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.workdays import working_days_left
from tidu.notifications.messages import day, text, tr
from tidu.notifications.reminders import ReminderReport, stage_for
from tidu.notifications.services import deliver
from tidu.policy.models import Call
from tidu.review.models import RecommendationList
from tidu.review.services import lists_not_sent, township_officers


def township_deadline_reminders(call: Call, today: dt.date, report: ReminderReport) -> None:
    last_day = call.township_deadline_on
    days_left = (last_day - today).days
    stage = stage_for(days_left)
    if stage is None:
        return
    lists = {rlist.unit_id: rlist for rlist in RecommendationList.objects.filter(call=call)}
    count = 0
    for unit in lists_not_sent(call):
        pending = Application.objects.filter(call=call, unit=unit,
                                             status=State.SUBMITTED).count()
        rlist = lists.get(unit.pk)
        state = tr(RecommendationList.Status(rlist.status).label if rlist else gettext_noop("尚未建立"))
        title = text(gettext_noop("乡镇推荐截止还剩 %(days)s 天，推荐名单尚未报送"), days=days_left)
        body = text(gettext_noop("“%(call)s”推荐名单（附件5）须于 %(last_day)s 24:00（北京时间）前签发并报送市经信局，"
                                 "还剩 %(days)s 天。本单位推荐名单：%(state)s；待审核的申报 %(pending)s 份。"),
                    call=call.title, last_day=day(last_day), days=days_left, state=state, pending=pending)
        created = deliver(township_officers(unit), kind="reminder.township_deadline", title=title, body=body,
                          link=reverse("review:township_dashboard") + f"?call={call.code}",
                          dedupe_key=f"reminder:{call.code}:township:{stage}d:unit-{unit.pk}")
        count += len(created)
    if count:
        report.lines.append(f"{call.title}：乡镇推荐截止提醒（{stage} 天档）{count} 条")
    report.sent += count


def revision_due_reminders(call: Call, today: dt.date, report: ReminderReport) -> None:
    """补正期限: the enterprise 3 working days and 1 day before its due date; once it has passed unanswered, the
    reviewers who returned it (the township unit, or the city), who may extend it or decide.

    Each notice's dedupe key names the application and its due date: a changed due date re-arms its reminders.
    """
    returned = (Application.objects.filter(call=call, status=State.RETURNED, revision_due__isnull=False)
                .select_related("enterprise__organisation"))
    reminded = told = 0
    for application in returned:
        due, name = application.revision_due, application.enterprise.name
        key = f"reminder:{call.code}:revision:application-{application.pk}:{due.isoformat()}"
        if due < today:
            if application.return_to == State.SUBMITTED:
                recipients = township_officers(application.enterprise.organisation.parent)
            else:
                recipients = User.objects.filter(role=User.Role.CITY, is_active=True)
            created = deliver(recipients, kind="reminder.revision_lapsed",
                              title=text(gettext_noop("补正期限已过：%(name)s"), name=name),
                              body=text(gettext_noop("%(name)s的申报于退回补正后未在补正期限 %(due)s 前重新提交。"
                                                     "请决定：延长补正期限，或作出不予推荐、形式审查不通过、不予认定等决定。"),
                                        name=name, due=day(due)),
                              link=reverse("applications:review", args=[application.pk]), dedupe_key=f"{key}:lapsed")
            told += len(created)
            continue
        if (due - today).days <= 1:
            stage, left = "1d", text(gettext_noop("还剩 %(days)s 天（含当日）"), days=(due - today).days + 1)
        elif working_days_left(today, due) <= 3:
            stage, left = "3wd", text(gettext_noop("还剩 %(days)s 个工作日"), days=working_days_left(today, due))
        else:
            continue
        users = User.objects.filter(organisation=application.enterprise.organisation, role=User.Role.ENTERPRISE,
                                    is_active=True)
        created = deliver(users, kind="reminder.revision_due",
                          title=text(gettext_noop("请于%(due)s前完成补正并重新提交"), due=day(due)),
                          body=text(gettext_noop("您的申报“%(call)s”被退回补正，请于%(due)s前（北京时间24:00止）按意见修改"
                                                 "并重新提交，%(left)s；逾期不能再重新提交。"),
                                    call=call.title, due=day(due), left=left),
                          link=reverse("applications:status", args=[application.pk]), dedupe_key=f"{key}:{stage}")
        reminded += len(created)
    if reminded:
        report.lines.append(f"{call.title}：补正期限提醒 {reminded} 条")
    if told:
        report.lines.append(f"{call.title}：补正期限已过通知 {told} 条")
    report.sent += reminded + told
