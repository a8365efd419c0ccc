"""Forms for the 公示 pages. Errors are in Chinese; rules beyond the fields live in services."""

from __future__ import annotations

import re

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tidu.core import forms as core_forms
from tidu.core.sizes import human_size
from tidu.core.workdays import MAX_WORKING_DAYS, PRACTICE_WORKING_DAYS
from tidu.publicity import services
from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry

REQUIRED = _("请填写此项")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")


def _messages(**extra):
    return {"required": REQUIRED, **extra}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PublicityForm(core_forms.ModelForm):
    class Meta:
        model = Publicity
        fields = ["title", "start_date", "working_days", "short_period_reason", "intro", "contact_office",
                  "contact_phone", "contact_email", "contact_address"]
        widgets = {"start_date": DateInput(), "intro": forms.Textarea(attrs={"rows": 3}),
                   "short_period_reason": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "start_date": _("公示期从这一天起算（当天为工作日时计为第 1 个工作日），北京时间。"),
            "working_days": format_lazy(_("一般为 5 个工作日，最多 {days} 个。截止日期按周一至周五计算，"
                                          "并扣除“节假日与调休”中录入的日期。"), days=MAX_WORKING_DAYS),
            "contact_phone": _("公示页面上公布的受理异议电话。"),
            "short_period_reason": _("公示期少于 5 个工作日时必填，并勾选下方确认。"),
        }

    short_period_confirmed = forms.BooleanField(
        label=_("我确认公示期少于 5 个工作日，理由如上"), required=False)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        for field in self.fields.values():
            field.error_messages.update(_messages(invalid=gettext("格式不正确")))
        self.fields["start_date"].error_messages["invalid"] = gettext("请按 年-月-日 填写日期，如 2026-04-03")
        self.fields["working_days"].error_messages.update(
            invalid=gettext("请填写整数"), min_value=gettext("公示期应为 1 至 %(days)s 个工作日") % {"days": MAX_WORKING_DAYS},
            max_value=gettext("公示期应为 1 至 %(days)s 个工作日") % {"days": MAX_WORKING_DAYS})
        self.fields["contact_email"].error_messages["invalid"] = gettext("请填写有效的电子邮箱")

    def clean_start_date(self):
        day = self.cleaned_data["start_date"]
        if self.today and day < self.today:
            raise forms.ValidationError(gettext("开始日期不能早于今天（%(date)s）") % {"date": f"{self.today:%Y-%m-%d}"})
        return day

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        if not PHONE.match(value.replace(" ", "")):
            raise forms.ValidationError(gettext("请填写有效的电话号码，如 0728-5221234"))
        return value

    def clean(self):
        data = super().clean()
        days = data.get("working_days")
        if isinstance(days, int) and days < PRACTICE_WORKING_DAYS:
            if not (data.get("short_period_reason") or "").strip():
                self.add_error("short_period_reason", gettext(
                    "公示期 %(days)s 个工作日，少于通常的 %(practice)s 个工作日，请填写理由") % {
                    "days": days, "practice": PRACTICE_WORKING_DAYS})
            elif not data.get("short_period_confirmed"):
                self.add_error("short_period_confirmed", gettext("请勾选确认公示期少于 %(practice)s 个工作日") % {
                    "practice": PRACTICE_WORKING_DAYS})
        data.pop("short_period_confirmed", None)
        return data


class CalendarDayForm(core_forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "note"]
        widgets = {"date": DateInput(), "kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].error_messages.update(_messages(invalid=gettext("请按 年-月-日 填写日期"),
                                                            unique=gettext("该日期已经设置过")))
        self.fields["kind"].error_messages.update(_messages())


class ObjectionForm(core_forms.Form):
    """The public objection form. ``website`` is a honeypot: hidden from people, filled by bots."""

    entry = forms.ModelChoiceField(label=_("异议对象"), queryset=PublicityEntry.objects.none(), empty_label=_("请选择"),
                                   error_messages={"required": _("请选择异议对象"), "invalid_choice": _("请选择公示名单中的企业")})
    name = forms.CharField(label=_("姓名（或单位名称）"), max_length=100,
                           error_messages=_messages(max_length=_("不能超过 %(limit_value)d 字")))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                            help_text=_("电话与电子邮箱至少填写一项，仅用于核实和答复，不公开。"))
    email = forms.EmailField(label=_("电子邮箱"), required=False, error_messages={"invalid": _("请填写有效的电子邮箱")})
    content = forms.CharField(
        label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=format_lazy(_("请写明异议的事实和理由，不少于 {count} 字。"), count=services.OBJECTION_MIN_CHARS),
        error_messages=_messages())
    attachment = forms.FileField(
        label=_("证明材料（可选）"), required=False,
        help_text=_("一个 PDF 或图片（JPG、PNG）文件，不超过 10 MB。"),
        error_messages={"invalid": _("附件无效，请重新选择"), "empty": _("附件是空文件")})
    website = forms.CharField(label=_("网址（请勿填写）"), required=False)

    def __init__(self, *args, publicity: Publicity, **kwargs):
        super().__init__(*args, **kwargs)
        self.publicity = publicity
        self.fields["entry"].queryset = publicity.entries.order_by("position")
        self.fields["entry"].label_from_instance = lambda entry: f"{entry.position}. {entry.enterprise_name}"
        limit = human_size(services.attachment_max_bytes())
        self.fields["attachment"].help_text = gettext("一个 PDF 或图片（JPG、PNG）文件，不超过 %(limit)s。") % {"limit": limit}
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value and not PHONE.match(value.replace(" ", "")):
            raise forms.ValidationError(gettext("请填写有效的手机号或固定电话，如 13800000000 或 0728-5221234"))
        return value

    def clean_content(self):
        value = self.cleaned_data["content"].strip()
        if len(value) < services.OBJECTION_MIN_CHARS:
            raise forms.ValidationError(gettext("异议内容不少于 %(OBJECTION_MIN_CHARS)s 字（现有 %(value)s 字），请写明事实和理由") % {"OBJECTION_MIN_CHARS": services.OBJECTION_MIN_CHARS, "value": len(value)})
        if len(value) > services.OBJECTION_MAX_CHARS:
            raise forms.ValidationError(gettext("异议内容不能超过 %(OBJECTION_MAX_CHARS)s 字（现有 %(value)s 字）") % {"OBJECTION_MAX_CHARS": services.OBJECTION_MAX_CHARS, "value": len(value)})
        return value

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            try:
                services.check_attachment(upload)
            except services.AttachmentRejected as error:
                raise forms.ValidationError(error.message) from None
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors \
                and "email" not in self.errors:
            self.add_error("phone", gettext("请至少填写联系电话或电子邮箱中的一项，以便核实和答复"))
        return data


class ObjectionHandleForm(core_forms.Form):
    investigation = forms.CharField(label=_("调查核实情况"), widget=forms.Textarea(attrs={"rows": 5}),
                                    error_messages=_messages())
    outcome = forms.ChoiceField(label=_("处理结论"), choices=Objection.Outcome.choices, widget=forms.RadioSelect,
                                error_messages=_messages(invalid_choice=_("请选择成立或不成立")))
    reply = forms.CharField(label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 4}), error_messages=_messages(),
                            help_text=_("异议人留有电子邮箱的，答复意见将通过邮件发送。"))


class EntryRejectForm(core_forms.Form):
    reason = forms.CharField(label=_("不予认定理由"), widget=forms.Textarea(attrs={"rows": 3}), error_messages=_messages(),
                             help_text=_("将记入申报记录并通知企业。"))


class RecognitionNoticeForm(core_forms.Form):
    """文号 and date of the call's 认定通知 (recorded by ``recognition_notice.record``)."""

    document_number = forms.CharField(label=_("文号"), max_length=100, help_text=_("如：天经信发〔2026〕12号"))
    issue_date = forms.DateField(label=_("发文日期"), widget=forms.DateInput(attrs={"type": "date"}))
