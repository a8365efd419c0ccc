from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tidu.documents"
    verbose_name = "申报文书"
