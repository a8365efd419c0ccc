from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tidu.notifications"
    verbose_name = "通知"

    def ready(self):
        from tidu.applications.services import transition_done
        from tidu.notifications import receivers

        transition_done.connect(receivers.on_transition_done, dispatch_uid="notifications.on_transition_done")
