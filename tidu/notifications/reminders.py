"""Deadline reminders, sent 7, 3 and 1 days before each deadline of every call.

* 企业申报截止 (the end of the call window) → the users of every enterprise whose application for the call is
  still a draft or returned for revision (退回补正).
* 乡镇推荐截止 → the township officers of every unit whose 推荐名单 has not been sent yet (the review domain's
  reminder, ``tidu.review.reminders``, registered with ``register_reminder`` in ReviewConfig.ready).

Run daily (``tidu send_reminders``; see README.md). Each reminder carries a dedupe key (call, deadline, stage,
application or unit), so running it twice, or twice a day, sends nothing twice. A run that was missed is made
up the next day: on 5 days left the 7-day reminder still goes out if it has not been sent, but never an older
stage once a newer one applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_noop

from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.notifications.messages import day, text
from tidu.notifications.services import deliver
from tidu.policy.models import Call

STAGES = (1, 3, 7)  # days before the deadline


def stage_for(days_left: int) -> int | None:
    """The reminder due with ``days_left`` days to go: the nearest stage at or above it, within 1…7 days."""
    if days_left < 1:
        return None
    for stage in STAGES:
        if days_left <= stage:
            return stage
    return None


@dataclass
class ReminderReport:
    today: dt.date
    sent: int = 0
    lines: list[str] = field(default_factory=list)


def _window_reminders(call: Call, today: dt.date, report: ReminderReport) -> None:
    last_day = call.closes_on
    days_left = (last_day - today).days
    stage = stage_for(days_left)
    if stage is None:
        return
    # A return with a 补正期限 is reminded of that date instead (tidu.review.reminders.revision_due_reminders).
    applications = (Application.objects.filter(call=call, status__in=(State.DRAFT, State.RETURNED))
                    .exclude(status=State.RETURNED, revision_due__isnull=False)
                    .select_related("enterprise__organisation"))
    count = 0
    for application in applications:
        users = User.objects.filter(organisation=application.enterprise.organisation, role=User.Role.ENTERPRISE,
                                    is_active=True)
        if application.status == State.DRAFT:
            title = text(gettext_noop("申报截止还剩 %(days)s 天，您的申报尚未提交"), days=days_left)
            body = text(gettext_noop("“%(call)s”企业申报截止时间为 %(last_day)s 24:00（北京时间），还剩 %(days)s 天。"
                              "您的申报书仍是草稿，请尽快完成并提交；逾期系统将不再受理。"),
                        call=call.title, last_day=day(last_day), days=days_left)
            link = reverse("applications:submit", args=[application.pk])
        else:
            title = text(gettext_noop("申报截止还剩 %(days)s 天，请完成补正并重新提交"), days=days_left)
            body = text(gettext_noop("您的申报被退回补正，请在 %(last_day)s 24:00（北京时间）前按意见修改并重新提交，"
                              "还剩 %(days)s 天。"), last_day=day(last_day), days=days_left)
            link = reverse("applications:status", args=[application.pk])
        created = deliver(users, kind="reminder.window_closes", title=title, body=body, link=link,
                          dedupe_key=f"reminder:{call.code}:window:{stage}d:application-{application.pk}")
        count += len(created)
    if count:
        report.lines.append(f"{call.title}：企业申报截止提醒（{stage} 天档）{count} 条")
    report.sent += count


# --- providers: each domain registers the reminders it owns (in its AppConfig.ready) ------------------------

Provider = Callable[[Call, dt.date, ReminderReport], None]
_PROVIDERS: dict[str, tuple[int, Provider]] = {}


def register_reminder(key: str, provider: Provider, *, order: int = 100) -> None:
    """Add ``provider(call, today, report)``: it sends what is due on ``today`` for ``call`` (deduplicated) and
    adds its lines and count to ``report``. ``order`` keeps the report's lines in a stable order."""
    _PROVIDERS[key] = (order, provider)


def providers() -> list[Provider]:
    return [provider for _, provider in sorted(_PROVIDERS.values(), key=lambda item: item[0])]


register_reminder("notifications.window_closes", _window_reminders, order=10)


def send_deadline_reminders(today: dt.date) -> ReminderReport:
    """Send every reminder due on ``today`` (a date in 北京时间) that has not been sent before."""
    report = ReminderReport(today=today)
    for call in Call.objects.order_by("-year", "code"):
        for provider in providers():
            provider(call, today, report)
    return report

