from django.contrib import admin

from tidu.enterprises.models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "industry_code", "legal_status", "status", "created_at")
    list_filter = ("status", "legal_status", "organisation__parent")
    search_fields = ("name", "credit_code", "contact_name")
    raw_id_fields = ("organisation", "confirmed_by")
