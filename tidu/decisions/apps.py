from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "tidu.decisions"
    verbose_name = "评审结论与集体决策"

    def ready(self):
        from tidu.decisions import rules

        rules.register()  # 列入公示 only with a 通过 conclusion (a rule on publicity.add_entries)
