from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "tidu.enterprises"
    verbose_name = "申报企业"
