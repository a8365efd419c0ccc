from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "tidu.eligibility"
    verbose_name = "申报条件判定"
