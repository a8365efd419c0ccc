from django import forms
from django.utils.translation import gettext_lazy as _

from tidu.core import forms as core_forms
from tidu.notifications import sms


class ChannelsForm(core_forms.Form):
    email = forms.BooleanField(label=_("电子邮件"), required=False)
    sms = forms.BooleanField(label=_("短信"), required=False)
    mobile = forms.CharField(label=_("接收短信的手机号"), max_length=30, required=False,
                             help_text=_("11 位中国大陆手机号码，例如 13812345678。"),
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_mobile(self):
        return sms.clean_mobile(self.cleaned_data.get("mobile", ""))

    def clean(self):
        data = super().clean()
        if data.get("sms") and not data.get("mobile") and "mobile" not in self.errors:
            self.add_error("mobile", _("选择短信通知时，请填写接收短信的手机号。"))
        if data.get("email") and self.user is not None and not self.user.email:
            self.add_error("email", _("账号未登记电子邮箱，不能选择邮件通知；请联系市经信局中小企业科补充邮箱。"))
        return data
