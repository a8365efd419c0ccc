"""The call editor's forms: start a draft, and edit one (every value checked with a specific Chinese message)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tidu.core.dates import date_zh
from tidu.core.forms import Form
from tidu.policy.editor import (
    BUREAU,
    DELIVERABLE_FORMATS,
    Basis,
    Edit,
    basis_problems,
    rule_params,
    sourced_groups,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")
DATE_ERRORS = {"invalid": gettext_lazy("请输入有效的日期，例如 2027-01-20。"), "required": gettext_lazy("请填写日期。")}


class DraftCreateForm(Form):
    pack_id = forms.CharField(label=gettext_lazy("策略包编号"), max_length=100,
                              help_text=gettext_lazy("同一批次的新版本沿用原编号；新批次（如下一年度）用新编号。"))
    version = forms.CharField(label=gettext_lazy("版本号"), max_length=30,
                              help_text=gettext_lazy("如 2026.4；须高于该策略包已发布的版本。"))
    code = forms.CharField(label=gettext_lazy("批次编号"), max_length=100)
    title = forms.CharField(label=gettext_lazy("批次名称"), max_length=200)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100,
                              error_messages={"invalid": gettext_lazy("年度须为四位数字，例如 2027。"),
                                              "min_value": gettext_lazy("年度须在 2000 至 2100 之间。"),
                                              "max_value": gettext_lazy("年度须在 2000 至 2100 之间。")})

    def clean_pack_id(self):
        value = self.cleaned_data["pack_id"].strip()
        if not SLUG.match(value):
            raise forms.ValidationError(_("策略包编号只能由小写字母、数字和连字符组成，且不能以连字符开头。"))
        return value

    def clean_code(self):
        value = self.cleaned_data["code"].strip()
        if not SLUG.match(value):
            raise forms.ValidationError(_("批次编号只能由小写字母、数字和连字符组成，且不能以连字符开头。"))
        return value

    def clean_version(self):
        value = self.cleaned_data["version"].strip()
        if not VERSION.match(value):
            raise forms.ValidationError(_("版本号须为以点分隔的数字，例如 2026.4。"))
        return value


def parse_number(text: str) -> int | float | None:
    try:
        number = Decimal(text.strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, AttributeError):
        return None
    if not number.is_finite():
        return None
    return int(number) if number == number.to_integral_value() else float(number)


class DraftEditForm(Form):
    """Built from a draft's document: the fixed fields, one field per rule parameter, formats per deliverable and
    a basis (source or 主管局设定 with 文号/理由) per sourced group."""

    title = forms.CharField(label=gettext_lazy("批次名称"), max_length=200)
    window_opens = forms.DateField(label=gettext_lazy("申报开始日期"), error_messages=DATE_ERRORS,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    window_closes = forms.DateField(label=gettext_lazy("申报截止日期（含当日）"), error_messages=DATE_ERRORS,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    window_text = forms.CharField(label=gettext_lazy("申报时间（通知原文）"), max_length=200,
                                  help_text=gettext_lazy("只改日期而不改此处时，按新日期自动改写。"))
    township_deadline = forms.DateField(label=gettext_lazy("乡镇推荐截止日（含当日）"), error_messages=DATE_ERRORS,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    township_text = forms.CharField(label=gettext_lazy("乡镇推荐截止（通知原文）"), max_length=500,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    lookback_years = forms.IntegerField(
        label=gettext_lazy("“近三年”回溯年数"), min_value=1, max_value=10,
        error_messages={"invalid": gettext_lazy("回溯年数须为整数，例如 3。"),
                        "min_value": gettext_lazy("回溯年数至少为 1 年。"),
                        "max_value": gettext_lazy("回溯年数不能超过 10 年。")})
    revenue_min = forms.CharField(label=gettext_lazy("规上营业收入门槛（万元）"), max_length=20)

    def __init__(self, *args, document: dict, **kwargs):
        self.document = document
        content = document["content"]
        initial = {
            "title": content["title"], "window_opens": content["window"]["opens"],
            "window_closes": content["window"]["closes"], "window_text": content["window"]["text"],
            "township_deadline": content["township_deadline"]["date"],
            "township_text": content["township_deadline"]["text"], "lookback_years": content["lookback_years"],
            "revenue_min": str(content["above_designated_size"]["revenue_min_10k_yuan"]),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.params = rule_params(document)
        for position, param in enumerate(self.params):
            label = f"{param.clause} · {param.label}"
            if param.kind == "bool":
                field = forms.ChoiceField(label=label, choices=[("yes", _("是")), ("no", _("否"))])
                self.initial[f"param_{position}"] = "yes" if param.value else "no"
            elif param.kind in ("int", "number"):
                field = forms.CharField(label=label, max_length=30)
                self.initial[f"param_{position}"] = str(param.value)
            else:
                field = forms.CharField(label=label, max_length=500)
                self.initial[f"param_{position}"] = param.value
            self.fields[f"param_{position}"] = field
        for position, item in enumerate(content["deliverables"]):
            self.fields[f"formats_{position}"] = forms.MultipleChoiceField(
                label=f"{item['annex']} {item['name']}", choices=[(f, f) for f in DELIVERABLE_FORMATS],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": _("%(annex)s 至少要保留一种文件格式。") % {"annex": item["annex"]}})
            self.initial[f"formats_{position}"] = list(item["formats"])
        sources = [(s["id"], f"{s['id']}（{s['grade']}）{s['title']}") for s in document["pack"]["sources"]]
        self.groups = sourced_groups(document)
        for group in self.groups:
            self.fields[f"basis_{group.key}"] = forms.ChoiceField(
                label=_("“%(what)s”新值的依据") % {"what": group.label}, required=False,
                choices=[("", _("（未修改，沿用原来源）")), (BUREAU, _("主管局设定（D），须填写文号或理由")), *sources])
            self.fields[f"basis_note_{group.key}"] = forms.CharField(
                label=_("文号或理由"), required=False, max_length=300)

    # --- grouping for the template ---------------------------------------------------------------
    def param_fields(self):
        return [self[f"param_{position}"] for position in range(len(self.params))]

    def format_fields(self):
        return [self[f"formats_{position}"] for position in range(len(self.document["content"]["deliverables"]))]

    def basis_fields(self):
        return [(group, self[f"basis_{group.key}"], self[f"basis_note_{group.key}"]) for group in self.groups]

    # --- cleaning --------------------------------------------------------------------------------
    def clean_revenue_min(self):
        text = self.cleaned_data["revenue_min"]
        number = parse_number(text)
        if number is None:
            raise forms.ValidationError(_("规上营业收入门槛须为数字（单位：万元），例如 2000；“%(text)s”不是数字。") % {
                "text": text})
        if number <= 0:
            raise forms.ValidationError(_("规上营业收入门槛须大于 0 万元。"))
        return number

    def _clean_param(self, position: int, param, raw):
        if param.kind == "bool":
            return raw == "yes"
        if param.kind in ("int", "number"):
            number = parse_number(raw)
            if number is None:
                self.add_error(f"param_{position}", _("“%(label)s”须为数字，“%(text)s”不是数字。") % {
                    "label": f"{param.clause} · {param.label}", "text": raw})
                return None
            if param.kind == "int" and not isinstance(number, int):
                self.add_error(f"param_{position}", _("“%(label)s”须为整数。") % {
                    "label": f"{param.clause} · {param.label}"})
                return None
            return number
        return raw.strip()

    def clean(self):
        data = super().clean()
        opens, closes, deadline = data.get("window_opens"), data.get("window_closes"), data.get("township_deadline")
        if opens and closes and closes < opens:
            self.add_error("window_closes", _("申报截止日期（%(closes)s）早于申报开始日期（%(opens)s）。") % {
                "closes": date_zh(closes), "opens": date_zh(opens)})
        if deadline and closes and deadline > closes:
            self.add_error("township_deadline", _("乡镇推荐截止日（%(deadline)s）晚于申报截止日期（%(closes)s）；"
                                                  "乡镇须在申报截止前报送推荐名单。") % {
                "deadline": date_zh(deadline), "closes": date_zh(closes)})
        if deadline and opens and deadline < opens:
            self.add_error("township_deadline", _("乡镇推荐截止日（%(deadline)s）早于申报开始日期（%(opens)s）。") % {
                "deadline": date_zh(deadline), "opens": date_zh(opens)})
        content = self.document["content"]
        if deadline and deadline.isoformat() != content["township_deadline"]["date"] \
                and (data.get("township_text") or "").strip() == content["township_deadline"]["text"].strip():
            self.add_error("township_text", _("乡镇推荐截止日已改为%(deadline)s，请同时修改通知原文中的截止日。") % {
                "deadline": date_zh(deadline)})
        if self.errors:
            return data
        params = {}
        for position, param in enumerate(self.params):
            value = self._clean_param(position, param, data.get(f"param_{position}"))
            if value is not None:
                params[position] = value
        if self.errors:
            return data
        bases = {group.key: Basis(data.get(f"basis_{group.key}") or "", data.get(f"basis_note_{group.key}") or "")
                 for group in self.groups}
        self.edit = Edit(
            title=data["title"].strip(), window_opens=opens, window_closes=closes,
            window_text=data["window_text"], township_deadline=deadline, township_text=data["township_text"],
            lookback_years=data["lookback_years"], revenue_min=data["revenue_min"], params=params,
            formats={position: data[f"formats_{position}"]
                     for position in range(len(content["deliverables"]))},
            bases={key: basis for key, basis in bases.items() if basis.choice})
        for key, problem in basis_problems(self.document, self.edit).items():
            self.add_error(f"basis_{key}", problem)
        return data
