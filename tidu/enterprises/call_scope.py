"""What the call open for registration admits: industries and region, read from its policy pack."""

from __future__ import annotations

from dataclasses import dataclass

from tidu.enterprises import credit_code, industries
from tidu.policy import selectors as policy_selectors


@dataclass(frozen=True)
class RegistrationScope:
    call_title: str
    admitted: tuple[dict, ...]  # {"code": "C" | "B07", "name": ..., "basis": ...}, from the call pack
    region_code: str            # 行政区划代码 of the call's region (6 digits)
    region_name: str            # province + city, as the call pack states them

    def admits(self, code: str) -> bool:
        return any(code.startswith(item["code"]) for item in self.admitted)

    def admitted_text(self) -> str:
        """'制造业（C）、石油和天然气开采业（B07）…' for messages."""
        return "、".join(f"{item['name']}（{item['code']}）" for item in self.admitted)

    def division_choices(self) -> list:
        """industries.division_choices() limited to the 大类 this call admits (门类 groups with none are left out)."""
        groups = []
        for label, divisions in industries.division_choices():
            kept = [(value, text) for value, text in divisions if self.admits(value)]
            if kept:
                groups.append((label, kept))
        return groups

    def region_of(self, code: str) -> str:
        return credit_code.region_code(code)

    def region_differs(self, code: str) -> bool:
        region = self.region_of(code)
        return bool(region) and bool(self.region_code) and region != self.region_code


def registration_scope() -> RegistrationScope | None:
    """The scope of the call registration is for (policy_selectors.registration_call), or None without a call."""
    call = policy_selectors.registration_call()
    if call is None:
        return None
    policy = policy_selectors.call_policy_for(call)
    return RegistrationScope(call_title=call.title, admitted=tuple(policy.admitted_industries),
                             region_code=policy.region_division_code, region_name=policy.region_name)
