from django.apps import AppConfig


class OnsiteConfig(AppConfig):
    name = "tidu.onsite"
    verbose_name = "现场核查"
