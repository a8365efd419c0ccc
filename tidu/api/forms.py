from django import forms
from django.utils.translation import gettext_lazy as _

from tidu.api.models import SCOPES_BY_ROLE, Scope
from tidu.core import forms as core_forms

DAY_CHOICES = [(30, _("30天")), (90, _("90天")), (180, _("180天")), (365, _("365天"))]


class TokenForm(core_forms.Form):
    name = forms.CharField(label=_("用途"), max_length=60,
                           help_text=_("例如“省级平台对接”，便于日后辨认和撤销"),
                           error_messages={"required": _("请填写令牌的用途，便于日后辨认和撤销。")})
    scopes = forms.MultipleChoiceField(label=_("权限范围"), widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": _("请至少选择一项权限范围。")})
    days = forms.TypedChoiceField(label=_("有效期"), choices=DAY_CHOICES, coerce=int, initial=90)

    def __init__(self, *args, role: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Scope.choices)
        self.fields["scopes"].choices = [(str(s), labels[s]) for s in SCOPES_BY_ROLE.get(role, ())]
