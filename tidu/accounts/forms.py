from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from tidu.accounts import services


class LockoutMixin:
    """AuthenticationForm.clean with the lockout rules of tidu.accounts.services in front of it."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        status = services.login_lock_status(username)
        if status.locked:
            raise ValidationError(services.lockout_message(status), code="locked")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            status = services.record_login_failure(username)
            if status.locked:
                raise ValidationError(services.lockout_message(status), code="locked")
            raise ValidationError(services.failure_message(status), code="invalid_login")
        self.confirm_login_allowed(self.user_cache)
        services.record_login_success(username)
        return self.cleaned_data


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    """The admin login obeys the same lockout (installed on admin.site in accounts/admin.py)."""
