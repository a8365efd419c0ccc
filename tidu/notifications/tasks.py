"""Background tasks (django-tasks). Tasks have no scheduler: production runs ``tidu send_reminders`` daily."""

import datetime as dt

from django_tasks import task

from tidu.core.clock import business_today
from tidu.notifications.reminders import send_deadline_reminders


@task()
def send_reminders_task(day: str | None = None) -> dict:
    """Send the deadline reminders due on ``day`` (ISO date, 北京时间; default today). Safe to run repeatedly."""
    today = dt.date.fromisoformat(day) if day else business_today()
    report = send_deadline_reminders(today)
    return {"date": today.isoformat(), "sent": report.sent, "lines": report.lines}
