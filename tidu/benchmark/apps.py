from django.apps import AppConfig


class BenchmarkConfig(AppConfig):
    name = "tidu.benchmark"
    verbose_name = "同行业对比"
