from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from tidu.accounts.forms import LockoutAdminAuthenticationForm
from tidu.accounts.models import LoginThrottle, Organisation, User

# The admin login page obeys the same lockout as the site's login page.
admin.site.login_form = LockoutAdminAuthenticationForm


@admin.register(User)
class TiduUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("平台角色", {"fields": ("role", "organisation", "phone")}),)
    list_display = ("username", "email", "role", "organisation", "is_active")
    list_filter = ("role", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "is_active")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ("username", "failures", "window_started_at", "last_failure_at", "locked_until")
    search_fields = ("username",)
    readonly_fields = ("username", "failures", "window_started_at", "last_failure_at", "locked_until")
    actions = ["unlock"]

    @admin.action(description="解除锁定并清零失败次数")
    def unlock(self, request, queryset):
        count = queryset.count()
        queryset.delete()
        self.message_user(request, f"已解除 {count} 个用户名的锁定。", messages.SUCCESS)

    def has_add_permission(self, request):
        return False
