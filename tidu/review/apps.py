from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "tidu.review"
    verbose_name = "审核推荐与受理"
