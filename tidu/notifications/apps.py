from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tidu.notifications"
    verbose_name = "通知"
