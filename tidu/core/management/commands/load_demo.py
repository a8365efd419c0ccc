"""`tidu load_demo`: fill an empty database with demo data and print the demo logins.

Each domain app that has demo data exposes ``demo.load(out)`` returning its logins; they run in
DEMO_MODULES order because later domains build on earlier ones. Safe to run more than once.
"""

from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from tidu.core.events import deliver_pending

DEMO_MODULES = ["tidu.core.demo", "tidu.accounts.demo", "tidu.enterprises.demo", "tidu.applications.demo",
                "tidu.review.demo",
                "tidu.experts.demo", "tidu.onsite.demo", "tidu.decisions.demo",
                "tidu.publicity.demo", "tidu.review.example_call_demo"]


class Command(BaseCommand):
    help = "载入演示数据并列出演示账号（可重复运行）。"

    def handle(self, *args, **options):
        logins = []
        call_command("load_policy", stdout=self.stdout)  # demo applications belong to the policy's calls
        # The notices the demo's own actions trigger would flood the console; they stay in-app only.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            for module_name in DEMO_MODULES:
                logins.extend(import_module(module_name).load(self.stdout))
                # Events are delivered on commit, and the whole demo is one transaction: deliver them now, so
                # that a later domain finds what an earlier one's events made (e.g. the on-site check opened
                # when an expert review completes).
                deliver_pending()
        self.stdout.write("")
        self.stdout.write("演示账号（仅用于演示环境）：")
        for role, username, password in logins:
            self.stdout.write(f"  {role:<10} 用户名 {username:<20} 密码 {password}")
        self.stdout.write("打开 http://127.0.0.1:8000/ 开始使用；管理后台 http://127.0.0.1:8000/admin/")
