from django.apps import AppConfig


class OnsiteConfig(AppConfig):
    name = "tidu.onsite"
    verbose_name = "现场核查"

    def ready(self):
        from tidu.applications.events import ApplicationTransitioned
        from tidu.core.events import subscribe
        from tidu.onsite import subscribers

        # The check opens when expert review completes: onsite listens, experts never calls onsite.
        subscribe(ApplicationTransitioned, subscribers.open_check_on_expert_complete,
                  key="onsite.open_check_on_expert_complete")
        subscribe(ApplicationTransitioned, subscribers.cancel_open_check_when_application_ends,
                  key="onsite.cancel_open_check_when_application_ends")
