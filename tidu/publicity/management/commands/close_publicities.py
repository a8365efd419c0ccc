"""`manage.py close_publicities`: mark notices whose period is over as closed and tell the city (run daily)."""

from django.core.management.base import BaseCommand

from tidu.publicity.services import publicity_close_expired


class Command(BaseCommand):
    help = "将公示期已满的公示标记为“公示期满”，并通知市经信局（建议每日运行）。"

    def handle(self, *args, **options):
        closed = publicity_close_expired()
        for publicity in closed:
            self.stdout.write(f"公示期满：{publicity.title}")
        self.stdout.write(f"共 {len(closed)} 项")
