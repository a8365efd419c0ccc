"""`tidu api_token USERNAME`: make a personal access token for an account and print it (CI, scripted set-up).

The same operation as the token page (``api_token.create``, one audit row, acted by the account itself).
"""

from django.core.management.base import BaseCommand, CommandError

from tidu.accounts.models import User
from tidu.api.models import SCOPES_BY_ROLE
from tidu.api.operations import create_token
from tidu.core.errors import TiduError


class Command(BaseCommand):
    help = "为账号创建个人访问令牌并输出（只显示这一次）；默认授予该角色可用的全部权限范围。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="账号的用户名")
        parser.add_argument("--scopes", default="", help="逗号分隔的权限范围，例如 read,evaluate；默认为该角色可用的全部范围")
        parser.add_argument("--days", type=int, default=1, help="有效天数（1–365），默认 1")
        parser.add_argument("--name", default="命令行创建", help="用途")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的账号 {options['username']}")
        scopes = [s for s in options["scopes"].split(",") if s] or [str(s) for s in SCOPES_BY_ROLE.get(user.role, ())]
        try:
            _token, secret = create_token(user, name=options["name"], scopes=scopes, days=options["days"])
        except TiduError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(secret)
