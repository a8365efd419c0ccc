from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tidu.documents"
    verbose_name = "申报文书"

    def ready(self):
        from tidu.applications.events import ApplicationTransitioned
        from tidu.core.events import subscribe
        from tidu.documents import services

        # A receipt frozen by a submit or resubmit gets the short facts its 汇总表 row is read from.
        subscribe(ApplicationTransitioned, services.on_application_transitioned, key="documents.summary_facts")
