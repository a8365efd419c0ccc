"""Read-only: the system administrator sees which e-mails and SMS failed (and are being retried) and why.

Nothing is changed here: people choose their channels on /notifications/channels/ (an audited operation), and
failed deliveries are retried by ``tidu deliver_events``."""

from django.contrib import admin

from tidu.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notification", "channel", "status", "attempts", "segments", "created_at", "sent_at")
    list_filter = ("channel", "status")
    list_select_related = ("notification",)
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
