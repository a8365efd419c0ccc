from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "tidu.applications"
    verbose_name = "申报"
