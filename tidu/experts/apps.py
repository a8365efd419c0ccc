from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "tidu.experts"
    verbose_name = "专家评审"

    def ready(self):
        from tidu.core.operations import Rule, add_rule
        from tidu.experts import operations

        # Experts inspect on site only from the active pool and without a conflict of interest. The rule is
        # added to the on-site domain's question by its name, so neither app imports the other.
        add_rule(operations.ONSITE_INSPECTOR_OPERATION, Rule("experts.pool_and_conflicts", operations.inspector_rule))
