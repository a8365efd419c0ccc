from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tidu.core"
    verbose_name = "平台基础"

    def ready(self):
        from tidu.core import checks  # noqa: F401 - registers the system checks
        from tidu.core.images import install_pillow_cap

        install_pillow_cap()
