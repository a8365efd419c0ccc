from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "tidu.dashboards"
    verbose_name = "统计看板"
