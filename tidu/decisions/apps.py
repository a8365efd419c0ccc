from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "tidu.decisions"
    verbose_name = "评审结论与集体决策"

    def ready(self):
        from tidu.applications.events import ApplicationTransitioned
        from tidu.core.events import subscribe
        from tidu.decisions import letters, rules

        rules.register()  # 列入公示 only with a 通过 conclusion (a rule on publicity.add_entries)
        # 认定 / 不予认定: the enterprise gets its letter (in-app and e-mail, once)
        subscribe(ApplicationTransitioned, letters.on_application_transitioned, key="decisions.outcome_letter")
