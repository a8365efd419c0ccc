"""Conflict of interest (利益冲突回避): why an expert may not score an application. Every rule gives a reason.

An expert is excluded from an application when
1. the expert's employer (an enterprise on the platform) is the applicant;
2. the expert declared a relationship with the applicant (consulting, shareholding, an earlier conflict…);
3. the employer name the expert declared is the applicant's name (compared after normalising width,
   brackets and spaces, so “（东湖）” and “(东湖)” match);
4. the rubric's “同乡镇回避” is on and the expert's township unit is the applicant's unit.
"""

from __future__ import annotations

import re
import unicodedata

from tidu.enterprises.models import Enterprise
from tidu.experts.models import ExpertProfile

_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Width-, space- and case-insensitive form of an organisation name."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name or "")).casefold()


def conflict_reasons(profile: ExpertProfile, enterprise: Enterprise, *, exclude_same_unit: bool,
                     applicant_names: tuple[str, ...] = ()) -> list[str]:
    """Every reason ``profile`` must not score an application by ``enterprise``; empty when there is none.

    ``applicant_names`` may add the name written in the application itself (normally the same as the
    enterprise record). Reads ``profile.relations`` (prefetch it for lists).
    """
    reasons = []
    if profile.employer_enterprise_id is not None and profile.employer_enterprise_id == enterprise.pk:
        reasons.append("工作单位为申报企业")
    for relation in profile.relations.all():
        if relation.enterprise_id == enterprise.pk:
            text = f"已申报与申报企业存在关联关系（{relation.get_kind_display()}）"
            if relation.note:
                text += f"：{relation.note}"
            reasons.append(text)
    employer = normalise_name(profile.employer_name)
    if employer and employer in {normalise_name(n) for n in (enterprise.name, *applicant_names) if n}:
        reasons.append(f"自报工作单位“{profile.employer_name}”与申报企业名称相同")
    unit_id = enterprise.organisation.parent_id
    if exclude_same_unit and profile.unit_id is not None and profile.unit_id == unit_id:
        reasons.append(f"与申报企业同属{profile.unit.name}（同乡镇回避）")
    return reasons
