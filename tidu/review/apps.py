from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "tidu.review"
    verbose_name = "审核推荐与受理"

    def ready(self):
        from tidu.applications.services import transition_requested
        from tidu.review import receivers

        transition_requested.connect(receivers.guard_withdrawal, dispatch_uid="review.guard_withdrawal")
