from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from tidu.accounts import operations
from tidu.accounts.models import Organisation, User
from tidu.core.errors import TiduError

# The admin login page obeys the same throttle as the site's login page: both authenticate through
# axes.backends.AxesBackend (tidu/accounts/throttle.py).


@admin.register(User)
class TiduUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("平台角色", {"fields": ("role", "organisation", "phone")}),)
    list_display = ("username", "email", "role", "organisation", "is_active")
    list_filter = ("role", "is_active")

    def has_delete_permission(self, request, obj=None):
        """Accounts are deactivated (an audited operation), never deleted: the record keeps who did what."""
        return False

    def save_model(self, request, obj, form, change):
        """Role, organisation, activation and contact changes go through their operations (one audit row each);
        the rest of the form (username, password hash, dates) is saved as Django's admin does."""
        try:
            if not change:
                operations.run("user.create", obj, request.user)
                return
            saved = User.objects.get(pk=obj.pk)
            wanted = {field: getattr(obj, field) for field in
                      (*operations.ACCESS_FIELDS, *operations.CONTACT_FIELDS, "is_active")}
            for field in wanted:
                setattr(obj, field, getattr(saved, field))
            super().save_model(request, obj, form, change)
            _changed_through_operations(request.user, obj, saved, wanted)
            obj.refresh_from_db()
        except TiduError as error:  # the admin's transaction rolls back; show why instead of a server error
            raise PermissionDenied(error.message) from error


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "is_active")
    list_filter = ("kind",)
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        """Organisations are deactivated through their audited operation, never deleted."""
        return False

    def save_model(self, request, obj, form, change):
        """Through the organisation operations, so that every change is audited."""
        try:
            if not change:
                operations.run("organisation.create", obj, request.user)
                return
            saved = Organisation.objects.get(pk=obj.pk)
            params = {field: getattr(obj, field) for field in operations.ORGANISATION_FIELDS
                      if getattr(obj, field) != getattr(saved, field)}
            if params:
                operations.run("organisation.update", saved, request.user, **params)
            obj.refresh_from_db()
        except TiduError as error:
            raise PermissionDenied(error.message) from error


def _changed_through_operations(by_user, obj, saved, wanted) -> None:
    """Run one operation per kind of change the admin form made to a user (nothing changed: nothing runs)."""
    access = {f: wanted[f] for f in operations.ACCESS_FIELDS if wanted[f] != getattr(saved, f)}
    if access:
        operations.run("user.change_role", obj, by_user, **access)
    contact = {f: wanted[f] for f in operations.CONTACT_FIELDS if wanted[f] != getattr(saved, f)}
    if contact:
        operations.run("user.update_contact", obj, by_user, **contact)
    if wanted["is_active"] != saved.is_active:
        operations.run("user.activate" if wanted["is_active"] else "user.deactivate", obj, by_user)

