from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "tidu.review"
    verbose_name = "审核推荐与受理"

    def ready(self):
        from tidu.core.operations import add_rule
        from tidu.notifications.reminders import register_reminder
        from tidu.review import receivers, reminders, rules

        add_rule("application.township_withdraw_recommendation", receivers.guard_withdrawal)
        register_reminder("review.township_deadline", reminders.township_deadline_reminders, order=20)
        register_reminder("review.revision_due", reminders.revision_due_reminders, order=30)
        rules.register()  # 受理 only from a sent 推荐名单 (a rule on application.city_receive)
