from django.contrib import admin
from django.core.exceptions import PermissionDenied

from tidu.core.errors import TiduError
from tidu.enterprises.models import Enterprise
from tidu.enterprises.operations import CORRECTABLE_FIELDS, EnterpriseCorrect


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    """Corrections of registration facts go through ``enterprise.correct`` (audited). The township's
    confirmation is not edited here: it is made (and audited) on the township's pages."""

    list_display = ("name", "credit_code", "industry_code", "legal_status", "status", "created_at")
    list_filter = ("status", "legal_status", "organisation__parent")
    search_fields = ("name", "credit_code", "contact_name")
    raw_id_fields = ("organisation", "confirmed_by")
    readonly_fields = ("organisation", "status", "status_note", "confirmed_by", "confirmed_at", "created_at")
    actions = None  # no bulk delete past the audit trail

    def has_add_permission(self, request):
        return False  # enterprises register themselves (enterprise.register)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = Enterprise.objects.get(pk=obj.pk)
        params = {field: getattr(obj, field) for field in CORRECTABLE_FIELDS if getattr(obj, field) != getattr(saved, field)}
        if not params:
            return
        try:
            EnterpriseCorrect(saved, **params).execute(request.user)
        except TiduError as error:  # the admin's transaction rolls back; show why instead of a server error
            raise PermissionDenied(error.message) from error
