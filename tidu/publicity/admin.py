from django.contrib import admin
from django.core.exceptions import PermissionDenied

from tidu.publicity.errors import PublicityError
from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry
from tidu.publicity.services import calendar_day_add, calendar_day_delete


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Entering and deleting a day go through the calendar operations (audited, drafts recomputed); a day is
    not edited in place (delete it and enter it again, as on the 节假日与调休 page)."""

    list_display = ("date", "kind", "note", "created_by")
    readonly_fields = ("created_by", "created_at")
    actions = None  # bulk delete would bypass the operation

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            row = calendar_day_add(day=obj.date, kind=obj.kind, note=obj.note, user=request.user)
        except PublicityError as error:
            raise PermissionDenied(error.message) from error
        obj.pk, obj.created_by, obj.created_at = row.pk, row.created_by, row.created_at

    def delete_model(self, request, obj):
        try:
            calendar_day_delete(row=obj, user=request.user)
        except PublicityError as error:
            raise PermissionDenied(error.message) from error


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
