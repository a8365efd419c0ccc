from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from tidu.accounts import throttle
from tidu.core import forms as core_forms


class ThrottledAuthenticationForm(core_forms.SafeTextMixin, AuthenticationForm):
    """Django's login form; a wrong password also says how many tries are left before the lock.

    The lock itself is django-axes' (tidu/accounts/throttle.py): ``authenticate`` refuses a locked
    (username, address) and the axes middleware answers with the lockout page.
    """

    def get_invalid_login_error(self):
        text = gettext("用户名或密码不正确。请注意：用户名和密码均区分大小写。")
        remaining = throttle.remaining_attempts(self.request) if self.request is not None else None
        if remaining:
            text += gettext("从当前网络地址再连续失败 %(remaining)s 次，将暂停该账号从此地址登录 %(minutes)s 分钟。") % {
                "remaining": remaining, "minutes": throttle.cool_off_minutes(self.request)}
        return ValidationError(text, code="invalid_login")


class UnlockRequestForm(core_forms.Form):
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), max_length=254,
                             help_text=gettext_lazy("账号登记的电子邮箱，解锁链接将发送到这里。"))


class OtpTokenForm(core_forms.Form):
    token = forms.CharField(label=gettext_lazy("验证码"), max_length=16,
                            help_text=gettext_lazy("身份验证器应用中显示的 6 位数字；手机不在身边时可填写一个备用码。"),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())
