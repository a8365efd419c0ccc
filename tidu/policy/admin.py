from django.contrib import admin

from tidu.policy.models import Call, PolicyPack


@admin.register(PolicyPack)
class PolicyPackAdmin(admin.ModelAdmin):
    list_display = ("title", "pack_id", "version", "kind", "loaded_at")
    readonly_fields = ("pack_id", "version", "kind", "title", "document", "sha256", "loaded_at")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "year", "region", "tier", "opens_at", "closes_before", "revision_working_days")
