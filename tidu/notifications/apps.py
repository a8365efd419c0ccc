from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tidu.notifications"
    verbose_name = "通知"

    def ready(self):
        from tidu.applications.events import ApplicationTransitioned
        from tidu.core.events import register_retry, subscribe
        from tidu.enterprises.events import EnterpriseRegistered
        from tidu.notifications import channels, receivers, services
        from tidu.notifications.events import NotificationRequested

        subscribe(NotificationRequested, services.on_notification_requested, key="notifications.deliver")
        subscribe(ApplicationTransitioned, receivers.on_application_transitioned,
                  key="notifications.application_transitioned")
        subscribe(EnterpriseRegistered, receivers.on_enterprise_registered, key="notifications.enterprise_registered")
        register_retry("notifications.channels", channels.retry_failed)
