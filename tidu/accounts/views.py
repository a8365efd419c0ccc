from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token

from tidu.accounts import operations, second_factor, services, throttle
from tidu.accounts.forms import OtpTokenForm, ThrottledAuthenticationForm, UnlockRequestForm
from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.core import audit_log as audit_log_page
from tidu.core import ratelimit
from tidu.core.client_ip import client_address
from tidu.core.models import AuditEntry

HOUR = timedelta(hours=1)


def _too_many(request, form, template):
    form.add_error(None, _("来自您当前网络地址的请求过于频繁，请一小时后再试。"))
    return render(request, template, {"form": form}, status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_failures=settings.TIDU_LOGIN_MAX_FAILURES,
                                        lockout_minutes=settings.TIDU_LOGIN_LOCKOUT_MINUTES, **kwargs)


def unlock_request(request):
    """The user asks for an unlock link by e-mail (sent only to an account's own address; same answer always)."""
    form = UnlockRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.allow("unlock_address", client_address(request),
                               limit=settings.TIDU_PASSWORD_RESET_PER_ADDRESS, window=HOUR):
            return _too_many(request, form, "accounts/unlock_request.html")
        email = form.cleaned_data["email"]
        if ratelimit.allow("unlock_account", email.casefold(),
                           limit=settings.TIDU_PASSWORD_RESET_PER_ACCOUNT, window=HOUR):
            for user in User.objects.filter(email__iexact=email, is_active=True):
                link = request.build_absolute_uri(
                    reverse("accounts:unlock", args=[throttle.unlock_token(user)]))
                body = render_to_string("accounts/unlock_email.txt", {"user": user, "link": link,
                                        "minutes": settings.TIDU_UNLOCK_LINK_MINUTES})
                send_mail(_("解除登录锁定"), body, None, [user.email])
        return render(request, "accounts/unlock_sent.html")
    return render(request, "accounts/unlock_request.html", {"form": form})


def unlock(request, token):
    """The e-mailed link: GET shows a button (mail scanners follow links), POST lifts the lock."""
    user = throttle.user_from_unlock_token(token, User.objects.all())
    if user is None:
        return render(request, "accounts/unlock_invalid.html", status=400)
    if request.method == "POST":
        operations.run("user.unlock_login", user, operations.PUBLIC_ACTOR)
        messages.success(request, _("已解除账号“%(username)s”的登录锁定，请重新登录。") % {
            "username": user.get_username()})
        return redirect("accounts:login")
    return render(request, "accounts/unlock_confirm.html", {"unlock_user": user})


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Limited per address (an answer saying so) and per account (silently: the page looks the same, so
        it tells nothing about which e-mail addresses have accounts, and no inbox is flooded)."""
        if not ratelimit.allow("password_reset_address", client_address(self.request),
                               limit=settings.TIDU_PASSWORD_RESET_PER_ADDRESS, window=HOUR):
            return _too_many(self.request, form, self.template_name)
        if not ratelimit.allow("password_reset_account", form.cleaned_data["email"].casefold(),
                               limit=settings.TIDU_PASSWORD_RESET_PER_ACCOUNT, window=HOUR):
            return redirect(self.success_url)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.unlock_username(form.user.get_username())  # a new password lifts any lock
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def dashboard(request):
    return redirect(services.dashboard_url_for(request.user))


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"profile_user": request.user})


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("accounts:dashboard")


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: scan the QR code (or type the key), confirm with one code, keep backup codes."""
    if second_factor.has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.GET.get('next', '')})}")
    device = second_factor.pending_totp_device(request.user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            codes = operations.run("user.enable_second_factor", request.user, request.user, device=device)
            otp_login(request, device)
            return render(request, "accounts/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("验证码不正确。请确认手机时间准确，并填写应用中当前显示的 6 位数字。"))
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr_svg": second_factor.qr_svg(device.config_url), "secret": second_factor.secret_text(device),
        "required": second_factor.required_for(request.user), "next": request.GET.get("next", "")})


@login_required
def otp_verify(request):
    """The second step after the password: a TOTP code or one backup code."""
    if not second_factor.has_device(request.user):
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': request.GET.get('next', '')})}")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.allow("otp_verify_user", str(request.user.pk), limit=settings.TIDU_OTP_ATTEMPTS_PER_HOUR,
                               window=HOUR):
            form.add_error("token", _("验证码错误次数过多，请一小时后再试，或联系平台管理员。"))
        else:
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error("token", _("验证码不正确。请填写应用中当前显示的 6 位数字，或一个未用过的备用码。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@role_required(User.Role.AUDITOR)
def audit_log(request):
    """The audit trail for the 审计管理员: every row, read only (there is no way here, or anywhere, to change one)."""
    return audit_log_page.render_page(request, AuditEntry.objects.all(), heading=_("操作日志"),
                                      context={"export_url": reverse("accounts:audit_log_export")},
                                      detail_url=lambda entry: reverse("accounts:audit_entry", args=[entry.pk]))


@role_required(User.Role.AUDITOR)
def audit_log_export(request):
    return audit_log_page.export(request, AuditEntry.objects.all(), filename=_("操作日志"))


@role_required(User.Role.AUDITOR)
def audit_entry(request, pk: int):
    entry = get_object_or_404(AuditEntry.objects.select_related("actor"), pk=pk)
    return audit_log_page.render_entry(request, entry, heading=_("操作记录"),
                                       back_url=reverse("accounts:audit_log"))
