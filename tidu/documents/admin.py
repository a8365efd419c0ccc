from django.contrib import admin

from tidu.documents.models import DocumentJob, DocumentTemplate, DossierDocument, VerificationCode


@admin.register(DossierDocument)
class DossierDocumentAdmin(admin.ModelAdmin):
    list_display = ("application", "kind", "page_count", "verification_code", "created_at")
    list_filter = ("kind",)
    readonly_fields = ("application", "kind", "content_hash", "file", "page_count", "verification_code", "created_at")


@admin.register(DocumentJob)
class DocumentJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "progress", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = ("task_id", "started_at", "finished_at", "created_at")


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ("call", "kind", "original_name", "is_active", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "is_active")


@admin.register(VerificationCode)
class VerificationCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "application", "created_at")
    search_fields = ("code",)
    readonly_fields = ("code", "application", "content_sha256", "created_at")
