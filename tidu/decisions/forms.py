"""Forms of the decision pages. Rules beyond the fields live in the operations (Chinese errors there)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tidu.core import forms as core_forms
from tidu.decisions.models import ReviewConclusion

REQUIRED = {"required": _("请填写此项")}


class ConclusionForm(core_forms.Form):
    outcome = forms.ChoiceField(label=_("评审结论"), choices=ReviewConclusion.Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("请选择评审结论：通过或不通过")})
    reasons = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                              error_messages={"required": _("请填写评审结论的理由"),
                                              "max_length": _("理由不能超过 %(limit_value)d 字")})


class RejectForm(core_forms.Form):
    reason = forms.CharField(label=_("不予认定理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                             error_messages={"required": _("请填写不予认定的理由")})


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CollectiveDecisionForm(core_forms.Form):
    meeting_name = forms.CharField(label=_("会议名称"), max_length=200, required=False,
                                   help_text=_("如：市经信局党组会、局长办公会"))
    meeting_date = forms.DateField(label=_("会议日期"), required=False, widget=DateInput(),
                                   error_messages={"invalid": _("请按 年-月-日 填写日期，如 2026-04-20")})
    attendees = forms.CharField(label=_("参会人员"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False,
                                      help_text=_("有会议纪要或文件的，填写文号；会议信息与文号至少填写一种"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SettingForm(core_forms.Form):
    pass_mark = forms.CharField(label=_("合格分数线（专家组总分）"), max_length=20, required=False,
                                help_text=_("达到此分数时评审结论预选“通过”，仅作预选；留空则不预选"))
    source = forms.CharField(label=_("依据"), max_length=200, required=False,
                             help_text=_("如会议纪要文号；由市经信局自定的，留空即记为“市经信局设定”"))
