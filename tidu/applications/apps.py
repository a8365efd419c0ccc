from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "tidu.applications"
    verbose_name = "申报"

    def ready(self):
        from tidu.applications.audit_detail import section_changes
        from tidu.core.audit_log import register_detail

        register_detail("application_section", section_changes)
