"""Forms for the expert pool and rubric pages: they check the shape of input; services decide the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tidu.accounts.models import Organisation, User
from tidu.applications.models import Application
from tidu.core import forms as core_forms
from tidu.enterprises.models import Enterprise
from tidu.experts import selectors, services
from tidu.experts.models import ExpertProfile, ExpertRelation, Rubric
from tidu.policy.models import Call


class ProfileForm(core_forms.ModelForm):
    class Meta:
        model = ExpertProfile
        fields = services.PROFILE_FIELDS
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer_enterprise"].queryset = Enterprise.objects.order_by("name")
        self.fields["employer_enterprise"].help_text = gettext("工作单位是平台内登记的企业时选择；该企业的申报将自动回避")
        self.fields["unit"].queryset = Organisation.objects.filter(
            kind__in=Organisation.UNIT_KINDS, is_active=True).order_by("kind", "name")


class NewProfileForm(ProfileForm):
    """Add an existing expert account to the pool, or create the account here (the expert sets a password
    through 找回密码 with the e-mail given)."""

    existing_user = forms.ModelChoiceField(label=_("已有专家账号"), required=False, queryset=User.objects.none(),
                                           empty_label=_("（新建账号）"))
    username = forms.CharField(label=_("新账号用户名"), max_length=150, required=False)
    name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False, help_text=_("用于接收评审通知和设置密码"))
    phone = forms.CharField(label=_("手机号"), max_length=30, required=False)

    field_order = ["existing_user", "username", "name", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing_user"].queryset = selectors.expert_users_without_profile()
        self.fields["existing_user"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"

    def clean(self):
        data = super().clean()
        if not data.get("existing_user"):
            if not data.get("username"):
                self.add_error("username", gettext("请选择已有专家账号，或填写新账号的用户名"))
            if not data.get("name"):
                self.add_error("name", gettext("请填写专家姓名"))
            if not data.get("email"):
                self.add_error("email", gettext("新账号须填写电子邮箱（用于设置密码和接收通知）"))
        return data


class RelationForm(core_forms.ModelForm):
    class Meta:
        model = ExpertRelation
        fields = ("enterprise", "kind", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.order_by("name")


class SelfRelationForm(core_forms.Form):
    """An expert declares a relationship: the enterprise by its full name or credit code (no browsing list)."""

    enterprise = forms.CharField(label=_("企业全称或统一社会信用代码"), max_length=200)
    kind = forms.ChoiceField(label=_("关系"), choices=[(k, v) for k, v in ExpertRelation.Kind.choices
                                                  if k != ExpertRelation.Kind.CONFLICT])
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_enterprise(self):
        text = self.cleaned_data["enterprise"]
        enterprise = services.find_enterprise(text)
        if enterprise is None:
            raise forms.ValidationError(gettext("平台上没有名称或信用代码为“%(text)s”的企业。请填写营业执照上的企业全称或18 位统一社会信用代码；尚未在平台登记的企业无需申报。") % {"text": text})
        return enterprise


class RubricSettingsForm(core_forms.ModelForm):
    # Recorded in the audit trail; required when the city is allowed to see scores before all are in.
    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("开启“全部提交前市经信局可查看分数”时必填，将记入操作日志"))

    class Meta:
        model = Rubric
        fields = services.SETTING_FIELDS
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.is_locked:
            self.fields["trim_extremes"].disabled = True

    def clean_experts_per_application(self):
        value = self.cleaned_data["experts_per_application"]
        if not 1 <= value <= 15:
            raise forms.ValidationError(gettext("每份申报的评审专家人数应在 1 到 15 之间"))
        return value

    def clean_outlier_points(self):
        value = self.cleaned_data["outlier_points"]
        if value is None or value <= 0:
            raise forms.ValidationError(gettext("偏离提示阈值应大于 0"))
        return value


class CriterionForm(core_forms.Form):
    name = forms.CharField(label=_("评分项"), max_length=100)
    max_points = forms.DecimalField(label=_("满分"), max_digits=5, decimal_places=1, min_value=Decimal("0.5"),
                                    max_value=Decimal("1000"))
    guidance = forms.CharField(label=_("评分要点"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    allowed_points = forms.CharField(label=_("允许的分值"), max_length=200, required=False,
                                     help_text=_("按等级给分的评分项填写各档分值，用逗号分隔，如 0,5,10,20；留空则不限"))
    step = forms.DecimalField(label=_("分值步长"), max_digits=5, decimal_places=1, required=False,
                              min_value=Decimal("0.1"), help_text=_("只能按此步长给分（如 5：0、5、10……）；留空则不限"))


class ReviewSessionForm(core_forms.Form):
    """A 评审会: the call (when new), name, date, place, the experts attending and the applications reviewed."""

    call = forms.ModelChoiceField(label=_("申报批次"), queryset=Call.objects.none())
    name = forms.CharField(label=_("会议名称"), max_length=200)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    experts = forms.ModelMultipleChoiceField(label=_("参会专家"), queryset=User.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    applications = forms.ModelMultipleChoiceField(label=_("评审的申报"), queryset=Application.objects.none(),
                                                  required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = Call.objects.order_by("-year", "code")
        if session is not None:
            del self.fields["call"]
        self.fields["experts"].queryset = (User.objects.filter(role=User.Role.EXPERT, expert_profile__isnull=False)
                                           .order_by("last_name", "first_name", "username"))
        self.fields["experts"].label_from_instance = lambda u: u.display_name
        # In or around expert review; on an edit also those already listed (whatever their state now).
        wanted = Q(pk__in=selectors.review_queue(user).values("pk"))
        if session is not None:
            wanted |= Q(pk__in=session.applications.values("pk"))
        applications = Application.objects.filter(wanted).select_related("enterprise", "call")
        if session is not None:
            applications = applications.filter(call=session.call)
        self.fields["applications"].queryset = applications.order_by("enterprise__name", "pk")
        self.fields["applications"].label_from_instance = lambda a: f"{a.enterprise.name}（{a.call.title}）"
