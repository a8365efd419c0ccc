from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform in production: health check, worker heartbeat, backup and restore."""

    name = "tidu.ops"
    verbose_name = "运维"
    default_auto_field = "django.db.models.BigAutoField"
