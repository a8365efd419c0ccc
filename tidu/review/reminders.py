"""The review domain's deadline reminder (registered with notifications in ReviewConfig.ready).

乡镇推荐截止 → the township officers of every unit whose 推荐名单 has not been sent yet, 7, 3 and 1 days before.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.dates import date_zh
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
        pending = Application.objects.filter(call=call, enterprise__organisation__parent=unit,
                                             status=State.SUBMITTED).count()
        rlist = lists.get(unit.pk)
        state = rlist.get_status_display() if rlist else "尚未建立"
        title = f"乡镇推荐截止还剩 {days_left} 天，推荐名单尚未报送"
        body = (f"“{call.title}”推荐名单（附件5）须于 {date_zh(last_day)} 24:00（北京时间）前签发并报送市经信局，"
                f"还剩 {days_left} 天。本单位推荐名单：{state}；待审核的申报 {pending} 份。")
        created = deliver(township_officers(unit), kind="reminder.township_deadline", title=title, body=body,
                          link=reverse("review:township_dashboard") + f"?call={call.code}",
                          dedupe_key=f"reminder:{call.code}:township:{stage}d:unit-{unit.pk}")
        count += len(created)
    if count:
        report.lines.append(f"{call.title}：乡镇推荐截止提醒（{stage} 天档）{count} 条")
    report.sent += count
