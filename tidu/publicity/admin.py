from django.contrib import admin

from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "note", "created_by")
    readonly_fields = ("created_by", "created_at")


class EntryInline(admin.TabularInline):
    model = PublicityEntry
    extra = 0
    can_delete = False
    fields = ("position", "enterprise_name", "unit_name", "tier_label", "outcome")
    readonly_fields = fields


@admin.register(Publicity)
class PublicityAdmin(admin.ModelAdmin):
    """Read-only: publishing and finalising go through the 公示管理 pages, which apply the rules."""

    list_display = ("title", "call", "start_date", "end_date", "status")
    list_filter = ("status", "call")
    inlines = [EntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ("number", "publicity", "entry", "submitted_at", "outcome")
    list_filter = ("outcome",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
