from django.apps import AppConfig


class WhatIfConfig(AppConfig):
    name = "tidu.whatif"
    verbose_name = "政策试算"
