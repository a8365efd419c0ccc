from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "tidu.publicity"
    verbose_name = "公示与认定"
