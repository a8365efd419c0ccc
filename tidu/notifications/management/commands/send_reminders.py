"""`tidu send_reminders [--date YYYY-MM-DD]`: send the deadline reminders due today (run daily from cron)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tidu.core import clock
from tidu.notifications.reminders import local_day, send_deadline_reminders


class Command(BaseCommand):
    help = "发送截止提醒（截止前 7、3、1 天）；可重复运行，同一提醒不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天（北京时间，YYYY-MM-DD）计算，默认今天")

    def handle(self, *args, **options):
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"日期“{options['date']}”无效，应为 YYYY-MM-DD") from error
        else:
            today = local_day(clock.now())
        report = send_deadline_reminders(today)
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(f"{today.isoformat()}：共发送提醒 {report.sent} 条")
