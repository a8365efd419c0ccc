from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "tidu.policy"
    verbose_name = "政策与申报批次"
