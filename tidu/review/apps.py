from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "tidu.review"
    verbose_name = "审核推荐与受理"

    def ready(self):
        from tidu.applications.services import transition_requested
        from tidu.review import receivers, rules

        transition_requested.connect(receivers.guard_withdrawal, dispatch_uid="review.guard_withdrawal")
        rules.register()  # 受理 only from a sent 推荐名单 (a rule on application.city_receive)
