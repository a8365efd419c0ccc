from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "tidu.experts"
    verbose_name = "专家评审"
