from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "tidu.records"
    verbose_name = "操作日志与归档"
