from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tidu.accounts"
    verbose_name = "账号与组织"
