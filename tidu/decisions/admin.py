"""Read-only in /admin/: conclusions, collective decisions and pass marks change only through their operations
(the city's decision pages), so that each change has its audit row."""

from django.contrib import admin

from tidu.decisions.models import CollectiveDecision, DecisionSetting, ReviewConclusion


class ReadOnly(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewConclusion)
class ReviewConclusionAdmin(ReadOnly):
    list_display = ("application", "stage", "outcome", "panel_total", "pass_mark", "collective_decision",
                    "recorded_by", "recorded_at")
    list_filter = ("stage", "outcome")


@admin.register(CollectiveDecision)
class CollectiveDecisionAdmin(ReadOnly):
    list_display = ("call", "meeting_name", "meeting_date", "document_number", "recorded_by", "recorded_at")


@admin.register(DecisionSetting)
class DecisionSettingAdmin(ReadOnly):
    list_display = ("call", "pass_mark", "source", "updated_by", "updated_at")
