from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tidu.accounts.models import Organisation, User
from tidu.core import forms as core_forms
from tidu.enterprises import industries, selectors, validators
from tidu.enterprises.models import Enterprise
from tidu.enterprises.services import DUPLICATE_CREDIT_CODE, DUPLICATE_USERNAME


def unit_choices() -> list:
    """Active township units grouped by kind (乡镇、办事处、农场、开发区) for a <select>."""
    groups: dict[str, list] = {Organisation.Kind(kind).label: [] for kind in Organisation.UNIT_KINDS}
    for unit in selectors.active_units():
        groups[Organisation.Kind(unit.kind).label].append((str(unit.pk), unit.name))
    return [(label, units) for label, units in groups.items() if units]


class RegistrationForm(core_forms.Form):
    """Public enterprise registration. Field checks here; the rules that need the database run again
    in services.enterprise_register, whose field-keyed errors come back onto this form."""

    name = forms.CharField(label=_("企业名称"), max_length=200, help_text=_("与营业执照一致"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=40,
                                  help_text=_("18位，见营业执照；字母不区分大小写"))
    legal_status = forms.ChoiceField(label=_("法人类型"), choices=Enterprise.LegalStatus.choices,
                                     initial=Enterprise.LegalStatus.LEGAL_PERSON)
    # A text field behind a <select>, so that a forged or stale value gets the catalogue's own explanation.
    industry_division = forms.CharField(label=_("所属行业（大类）"), max_length=3, widget=forms.Select,
                                        help_text=_("按 GB/T 4754-2017《国民经济行业分类》"),
                                        error_messages={"required": _("请选择所属行业大类")})
    industry_detail = forms.CharField(
        label=_("行业中类或小类代码（选填）"), max_length=5, required=False,
        help_text=_("3位中类或4位小类数字代码，如 348 或 3484，须以所选大类的两位代码开头。"
                    "中类、小类不在列表中逐一列出，请对照 GB/T 4754-2017 填写。"))
    registered_region = forms.CharField(label=_("登记注册地"), max_length=100)  # initial: the call's region
    address = forms.CharField(label=_("地址"), max_length=300)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, help_text=_("手机号，或带区号的固定电话"))
    contact_email = forms.EmailField(label=_("联系邮箱"), help_text=_("用于接收确认结果通知和重设密码"))
    unit = forms.ChoiceField(label=_("所属乡镇、办事处、农场或开发区"),
                             error_messages={"required": _("请选择所属乡镇、办事处、农场或开发区"),
                                             "invalid_choice": _("请从列表中选择所属乡镇、办事处、农场或开发区")})
    username = forms.CharField(label=_("用户名"), max_length=150, validators=[UnicodeUsernameValidator()],
                               help_text=_("登录用，150个字符以内，可用字母、数字和 @ . + - _"))
    password1 = forms.CharField(label=_("密码"), strip=False, help_text=password_validators_help_text_html,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    # Service error keys that are not form fields.
    SERVICE_FIELD_MAP = {"industry_code": "industry_division", "password": "password1"}

    def __init__(self, *args, scope=None, **kwargs):
        """``scope``: the call's RegistrationScope (call_scope.registration_scope()); None offers every industry."""
        super().__init__(*args, **kwargs)
        self.scope = scope
        division = self.fields["industry_division"]
        if scope is None:
            division.widget.choices = [("", _("请选择所属行业大类"))] + industries.division_choices()
        else:
            division.widget.choices = [("", _("请选择所属行业大类"))] + scope.division_choices()
            division.help_text = _("“%(call)s”只接受以下行业的企业：%(admitted)s。其他行业不在本次申报范围内，"
                                   "列表中不再列出。行业按 GB/T 4754-2017《国民经济行业分类》") % {
                "call": scope.call_title, "admitted": scope.admitted_text()}
            self.fields["registered_region"].initial = scope.region_name
        self.fields["unit"].choices = [("", _("请选择"))] + unit_choices()

    @property
    def region_warning(self) -> str:
        """Not a refusal: the code's registration authority (characters 3–8) lies outside the call's region."""
        code = getattr(self, "cleaned_data", {}).get("credit_code")
        if self.scope is None or not code or not self.scope.region_differs(code):
            return ""
        return _("请注意：统一社会信用代码第3–8位（登记管理机关行政区划代码）为 %(region)s，不是“%(call)s”的地区"
                 "%(name)s（%(code)s）。申报主体应在%(name)s注册；如代码无误（例如迁入后尚未换照），可以继续登记，"
                 "由所属乡镇核实。") % {"region": self.scope.region_of(code), "call": self.scope.call_title,
                                   "name": self.scope.region_name, "code": self.scope.region_code}

    def clean_credit_code(self):
        code = validators.clean_credit_code(self.cleaned_data["credit_code"])
        if Enterprise.objects.filter(credit_code=code).exists():
            raise ValidationError(DUPLICATE_CREDIT_CODE, code="duplicate")
        return code

    def clean_industry_division(self):
        code = validators.clean_industry_code(self.cleaned_data["industry_division"])
        if len(code) != 3:
            raise ValidationError(_("请从列表中选择所属行业大类"), code="division")
        if self.scope is not None and not self.scope.admits(code):
            raise ValidationError(
                _("%(industry)s 不在“%(call)s”的申报范围内：本次只接受%(admitted)s的企业。")
                % {"industry": industries.describe(code), "call": self.scope.call_title,
                   "admitted": self.scope.admitted_text()}, code="not_admitted")
        return code

    def clean_industry_detail(self):
        detail = industries.normalise(self.cleaned_data["industry_detail"])
        if detail and detail[:1].isalpha():  # tolerate 'C3484' typed in full
            detail = detail[1:]
        if detail and (not detail.isdigit() or len(detail) not in (3, 4)):
            raise ValidationError(_("中类代码为3位数字、小类代码为4位数字，如 348、3484"), code="format")
        return detail

    def clean_contact_phone(self):
        return validators.clean_phone(self.cleaned_data["contact_phone"])

    def clean_unit(self):
        unit = selectors.active_units().filter(pk=self.cleaned_data["unit"]).first()
        if unit is None:
            raise ValidationError(_("请选择所属乡镇、办事处、农场或开发区"), code="invalid")
        return unit

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(DUPLICATE_USERNAME, code="duplicate")
        return username

    def clean(self):
        data = super().clean()
        division, detail = data.get("industry_division"), data.get("industry_detail")
        if division and detail is not None:
            if detail and not detail.startswith(division[1:]):
                self.add_error("industry_detail", _("中类/小类代码 %(detail)s 与所选大类 %(division)s 不一致："
                                                    "应以 %(division)s 开头") % {"detail": detail,
                                                                               "division": division[1:]})
            else:
                try:
                    data["industry_code"] = validators.clean_industry_code(division[0] + (detail or division[1:]))
                except ValidationError as error:
                    self.add_error("industry_detail" if detail else "industry_division", error)
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return data

    def registration_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "credit_code": data["credit_code"], "legal_status": data["legal_status"],
            "industry_code": data["industry_code"], "unit": data["unit"],
            "registered_region": data["registered_region"], "address": data["address"],
            "legal_representative": data["legal_representative"], "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"], "contact_email": data["contact_email"],
            "username": data["username"], "password": data["password1"],
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Put a ValidationError from services.enterprise_register onto the matching fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            target = self.SERVICE_FIELD_MAP.get(field, field)
            self.add_error(target if target in self.fields else None, errors)


class ContactsForm(core_forms.Form):
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, help_text=_("手机号，或带区号的固定电话"))
    contact_email = forms.EmailField(label=_("联系邮箱"), help_text=_("登录账号的邮箱随之更新，用于接收通知和重设密码"))

    def clean_contact_phone(self):
        return validators.clean_phone(self.cleaned_data["contact_phone"])

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class RegistrationChangeForm(core_forms.Form):
    """The enterprise asks its township to change its identity; the values are checked again by the operation."""

    name = forms.CharField(label=_("企业名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=40)
    registered_region = forms.CharField(label=_("登记注册地"), max_length=100)
    industry_code = forms.CharField(label=_("所属行业代码（GB/T 4754-2017）"), max_length=5,
                                    help_text=_("如 C3484：门类字母加 2–4 位数字"))
    reason = forms.CharField(label=_("变更理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("如市场监管部门变更登记的日期；乡镇（办事处）审核时会看到"))

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class RejectForm(core_forms.Form):
    reason = forms.CharField(label=_("不予确认的理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写不予确认的理由，企业会收到这条意见。")})


class EnterpriseFilterForm(core_forms.Form):
    unit = forms.ChoiceField(label=_("所属单位"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态"))] + list(Enterprise.Status.choices))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("全部单位"))] + unit_choices()

    def apply(self, enterprises):
        if not self.is_valid():
            return enterprises
        if self.cleaned_data["unit"]:
            enterprises = enterprises.filter(organisation__parent_id=self.cleaned_data["unit"])
        if self.cleaned_data["status"]:
            enterprises = enterprises.filter(status=self.cleaned_data["status"])
        return enterprises


class ImportUploadForm(core_forms.Form):
    file = forms.FileField(label=_("企业名单文件（.xlsx 或 .csv）"),
                           error_messages={"required": _("请选择要上传的企业名单文件（.xlsx 或 .csv）")})
