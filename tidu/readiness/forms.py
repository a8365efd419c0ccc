"""The readiness-only form: for an enterprise with no 申报书 yet (choices come from the packs)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tidu.core.forms import SafeTextMixin
from tidu.policy.call_policy import CallPolicy


def scopes(policy: CallPolicy) -> list[str]:
    """The construction scopes the tiers pack allows, in tier order (产线级, 车间级, 工厂级)."""
    tiers = sorted(policy.tier_map.values(), key=lambda t: t["rank"])
    return list(dict.fromkeys(scope for tier in tiers for scope in tier["allowed_scopes"]))


class ProfileForm(SafeTextMixin, forms.Form):
    maturity_level = forms.TypedChoiceField(label=_("成熟度自评估等级"), coerce=int, required=False, empty_value=None)
    scope = forms.ChoiceField(label=_("建设范围"), required=False)
    scenarios = forms.MultipleChoiceField(label=_("已建设的典型场景"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    ai_scenarios = forms.MultipleChoiceField(label=_("其中应用人工智能技术的场景"), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, policy: CallPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        levels = policy.maturity_levels
        self.fields["maturity_level"].choices = [("", _("尚未自评估"))] + [
            (str(n), f"{levels[n]['label']}（{levels[n]['name']}）") for n in sorted(levels)]
        self.fields["scope"].choices = [("", _("未选择"))] + [(s, s) for s in scopes(policy)]
        choices = [(sid, f"{sid} {s['name']}（{policy.link_map[s['link']]['name']}）")
                   for sid, s in policy.scenario_map.items()]
        self.fields["scenarios"].choices = choices
        self.fields["ai_scenarios"].choices = choices

    def clean(self):
        data = super().clean()
        chosen, ai = set(data.get("scenarios") or []), set(data.get("ai_scenarios") or [])
        if ai - chosen:
            self.add_error("ai_scenarios", _("应用人工智能技术的场景须是已勾选的已建设场景：%(ids)s 未在上面勾选")
                           % {"ids": "、".join(sorted(ai - chosen))})
        return data

    def profile_values(self) -> dict:
        data = self.cleaned_data
        ai = set(data.get("ai_scenarios") or [])
        return {"maturity_level": data.get("maturity_level"), "scope": data.get("scope") or "",
                "scenarios": [{"id": sid, "uses_ai": sid in ai} for sid in data.get("scenarios") or []]}
