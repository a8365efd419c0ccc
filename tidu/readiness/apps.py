from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "tidu.readiness"
    verbose_name = "梯度培育就绪度"
    default_auto_field = "django.db.models.BigAutoField"
