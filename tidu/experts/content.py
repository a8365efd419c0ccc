"""The application as an expert reads it: every section read-only, the engine's findings, the evidence."""

from __future__ import annotations

from collections import defaultdict

from tidu.applications import forms as application_forms
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.eligibility.interchange import InterchangeError
from tidu.experts import rubrics
from tidu.policy.selectors import call_policy_for, kpi_catalogue


def application_content(application: Application) -> dict:
    policy = call_policy_for(application.call)
    raw = application_services.section_raw(application)
    evidence = defaultdict(list)
    for item in application.evidence.all():
        evidence[item.section].append(item)
    catalogue = kpi_catalogue(policy)
    sections = []
    for progress in application_services.application_progress(application, policy):
        spec = SECTIONS_BY_KEY[progress.key]
        entry = {"spec": spec, "progress": progress, "evidence": evidence.get(spec.key, [])}
        if spec.key == "kpis":
            entry["kpi_categories"] = application_forms.bind_kpis(raw.get(spec.key), progress.clean, catalogue)
        else:
            entry["fields"] = application_forms.bind_section(spec, raw.get(spec.key), progress.clean, policy,
                                                             blank_rows=0)
        sections.append(entry)
    try:
        verdict, verdict_problems = application_services.application_verdict(application, policy), None
    except InterchangeError as error:
        verdict, verdict_problems = None, error.problems
    tier = policy.find_tier(application.tier)
    return {"sections": sections, "verdict": verdict, "verdict_problems": verdict_problems,
            "tier_name": tier["name"] if tier else application.tier}


def declared_levels(application: Application) -> dict[str, str]:
    """By criterion name: what the application declares for a level-scored criterion ("二级（规范级）"), e.g. the
    self-assessed maturity level beside 智能制造成熟度 (``rubrics.DECLARED_FIELDS``); criteria without one are left out."""
    raw = application_services.section_raw(application)
    found = {}
    for criterion_name, (section_key, field_name) in rubrics.DECLARED_FIELDS.items():
        value = (raw.get(section_key) or {}).get(field_name)
        if value in (None, ""):
            continue
        spec = next((f for f in SECTIONS_BY_KEY[section_key].fields if f.name == field_name), None)
        labels = dict(spec.choices) if spec is not None else {}
        found[criterion_name] = f"{spec.label if spec else field_name}：{labels.get(str(value), value)}"
    return found
