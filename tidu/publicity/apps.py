from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "tidu.publicity"
    verbose_name = "公示与认定"

    def ready(self):
        from tidu.core.workdays import use_calendar
        from tidu.publicity.rules import calendar_days

        use_calendar(calendar_days)  # the city's 节假日与调休 count for every app's working days (补正期限 too)
