"""What an application says, read without changing anything: its sections, their progress, the engine's view
of it (interchange document, verdict), its content fingerprint and what stops it being submitted.

Both the operations (which change applications) and the services (their callers' entry points) build on
these; keeping them here means neither has to import the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from tidu.applications import permissions, revision
from tidu.applications.models import Application
from tidu.applications.sections import YES, CleanResult, clean_section, sections_for
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.core.dates import date_local, moment_local
from tidu.core.hashing import sha256_of_json
from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Check, Finding, Outcome, Result, Verdict
from tidu.eligibility.interchange import FORMAT
from tidu.enterprises.models import Enterprise
from tidu.policy.call_policy import CallPolicy
from tidu.policy.selectors import call_policy_for

# 基本信息 fields that are the enterprise's identity: they come from the confirmed registration (tidu.enterprises),
# never from what is typed into the section; a change goes through the township (or the administrator's
# correction), each with its own audit row.
REGISTRY_FIELDS = ("name", "credit_code", "registered_region", "industry_code")


def registry_identity(enterprise: Enterprise) -> dict[str, str]:
    return {field: getattr(enterprise, field) or "" for field in REGISTRY_FIELDS}


def prefill_basic(enterprise: Enterprise) -> dict[str, Any]:
    return {
        **registry_identity(enterprise),
        "legal_status": enterprise.legal_status,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
    }


def section_raw(application: Application) -> dict[str, dict[str, Any]]:
    return {section.key: section.data for section in application.sections.all()}


@dataclass
class SectionProgress:
    key: str
    title: str
    clean: CleanResult
    revision: int
    updated_at: dt.datetime | None
    editable: bool
    returned_reason: str | None
    evidence_missing: list[str]

    @property
    def complete(self) -> bool:
        return self.clean.complete and not self.evidence_missing


def application_progress(application: Application, policy: CallPolicy | None = None,
                         user=None) -> list[SectionProgress]:
    policy = policy or call_policy_for(application.call)
    rows = {section.key: section for section in application.sections.select_related("updated_by")}
    evidence_topics = set(application.evidence.values_list("topic", flat=True))
    progress = []
    for spec in sections_for(policy):
        row = rows.get(spec.key)
        clean = clean_section(spec, row.data if row else {}, policy)
        evidence_missing = [str(label) for topic, label in spec.evidence_topics
                            if evidence_required(policy, topic) and topic not in evidence_topics]
        progress.append(SectionProgress(
            key=spec.key, title=spec.title, clean=clean, revision=row.revision if row else 0,
            updated_at=row.updated_at if row else None,
            editable=section_is_editable(application, spec.key) and (user is None or permissions.can_edit(user, application)),
            returned_reason=application.returned_sections.get(spec.key), evidence_missing=evidence_missing))
    return progress


def evidence_required(policy: CallPolicy, topic: str) -> bool | None:
    """True/False as the call pack states for this evidence slot; None when the pack says nothing of it."""
    stated = policy.evidence_requirements
    if not stated:  # packs that state none: what the platform required when they were published (policy data)
        return True if topic in policy.legacy_required_evidence else None
    return stated[topic]["required"] if topic in stated else None


def section_is_editable(application: Application, key: str) -> bool:
    if application.status == State.DRAFT:
        return True
    return application.status == State.RETURNED and key in application.returned_sections


# --- the engine's view of an application ---------------------------------------------------------

def _yes(value) -> bool | None:
    return None if value is None else value == YES


def application_interchange(application: Application, policy: CallPolicy | None = None,
                            submitted_at: dt.datetime | None = None) -> dict[str, Any]:
    """The application in the engine's interchange format, built only from cleanly answered fields of the
    sections as the call asks for them (a field no declared clause reads is not exported)."""
    policy = policy or call_policy_for(application.call)
    raw = section_raw(application)
    clean = {spec.key: clean_section(spec, raw.get(spec.key), policy).values for spec in sections_for(policy)}
    basic, conditions, maturity = clean["basic"], clean["conditions"], clean["maturity"]
    organisation, scope = clean["organisation"], clean["scope"]

    def pick(source: dict, mapping: dict[str, str], convert=None) -> dict[str, Any]:
        out = {}
        for target, name in mapping.items():
            if name in source:
                out[target] = convert(source[name]) if convert else source[name]
        return out

    document: dict[str, Any] = {"format": FORMAT, "call": policy.code, "tier": application.tier}
    if submitted_at is not None:
        document["submitted_at"] = submitted_at.isoformat()
    document["enterprise"] = {
        **pick(basic, {"name": "name", "credit_code": "credit_code", "registered_region": "registered_region",
                       "legal_status": "legal_status", "industry_code": "industry_code",
                       "main_business_revenue_10k_yuan": "main_business_revenue_10k_yuan",
                       "competitiveness": "competitiveness"}),
        **pick(basic, {"above_designated_size": "above_designated_size"}, _yes),
    }
    if "industry_code" in document["enterprise"]:
        code = document["enterprise"]["industry_code"].upper()
        document["enterprise"]["industry_code"] = code
    record = pick(conditions, {"operations_and_finance_sound": "operations_and_finance_sound"}, _yes)
    record.update(pick(conditions, {"bad_credit_records": "bad_credit_records", "accidents": "accidents",
                                    "violations": "violations"}))
    document["record"] = record
    document["security"] = pick(conditions, {"secure_and_controllable": "secure_and_controllable",
                                             "cyber_and_data_risk_controllable": "cyber_and_data_risk_controllable"},
                                _yes)
    document["cooperation"] = pick(conditions, {"onsite_verification": "onsite_verification",
                                                "technology_promotion": "technology_promotion",
                                                "case_exchange": "case_exchange"}, _yes)
    if "construction_completed" in conditions:
        document["construction_completed"] = conditions["construction_completed"] == YES
    document["organisation"] = {**pick(organisation, {"description": "description", "talent_count": "talent_count"}),
                                **pick(organisation, {"has_mechanism": "has_mechanism"}, _yes)}
    document["maturity"] = {**pick(maturity, {"score": "score", "report_number": "report_number",
                                              "report_date": "report_date", "platform": "platform"}),
                            **pick(maturity, {"level": "level"}, int)}
    if "scope" in scope:
        document["scope"] = scope["scope"]
    document["scenarios"] = [
        {"id": row["id"], "description": row.get("description", ""), "uses_ai": row.get("uses_ai") == YES}
        for row in clean["scenarios"].get("scenarios", [])]
    if not document["scenarios"]:
        del document["scenarios"]
    document["equipment"] = [
        {**{k: v for k, v in row.items() if k != "secure_controllable"},
         "secure_controllable": row.get("secure_controllable") == YES}
        for row in clean["equipment"].get("equipment", [])]
    document["kpis"] = clean["kpis"]
    return document


def first_submission(application: Application):
    """The application's first receipt: the moment its 申报 was made (resubmissions after 退回补正 continue it)."""
    return application.submissions.order_by("submitted_at", "id").first()


def application_verdict(application: Application, policy: CallPolicy | None = None,
                        submitted_at: dt.datetime | None = None) -> Verdict:
    policy = policy or call_policy_for(application.call)
    if submitted_at is None:
        first = first_submission(application)
        if application.status == State.DRAFT or first is None:
            # A draft is judged as if submitted now, so the panel says whether submitting now is in time.
            submitted_at = clock.now()
        else:
            # 申报时间 is met by the first submission: a resubmission after 退回补正 continues that 申报.
            submitted_at = first.submitted_at
    # Built here from cleaned sections: trusted, so the JSON schema is not checked again (only input is).
    return evaluate(policy, application_interchange(application, policy, submitted_at), trusted=True)


def stored_verdict(submission) -> Verdict | None:
    """The verdict judged when ``submission`` was made, as stored with it (None if it holds none)."""
    data = submission.verdict if submission is not None else None
    if not data or data.get("outcome") not in Outcome._value2member_map_:
        return None
    findings = tuple(
        Finding(clause=f.get("clause", ""), result=Result(f.get("result", "review")), message=f.get("message", ""),
                clause_text=f.get("clause_text", ""), source=f.get("source", ""),
                checks=tuple(Check(Result(c.get("result", "review")), c.get("message", ""), c.get("msg"))
                     for c in f.get("checks", [])), msg=f.get("msg"))
        for f in data.get("findings", []))
    return Verdict(eligible=data.get("eligible", False), tier_met=data.get("tier_met", False),
                   outcome=Outcome(data["outcome"]), tier=data.get("tier", ""), tier_name=data.get("tier_name", ""),
                   call=data.get("call", ""), policy_versions=data.get("policy_versions", {}), findings=findings,
                   kpis=data.get("kpis", {}), coverage=data.get("coverage", {}))


def verdict_summary(verdict: Verdict | dict[str, Any], judged_at: dt.datetime) -> dict[str, Any]:
    """The Submission fields summarising a verdict judged at ``judged_at`` (outcome, clause ids, pack versions)."""
    data = verdict.as_dict() if isinstance(verdict, Verdict) else verdict
    by_result: dict[str, list[str]] = {"fail": [], "review": [], "missing": []}
    for finding in data.get("findings", []):
        if finding.get("result") in by_result:
            by_result[finding["result"]].append(finding.get("clause", ""))
    versions = data.get("policy_versions") or {}
    return {"outcome": data.get("outcome", ""), "failing_clauses": by_result["fail"],
            "review_clauses": by_result["review"], "missing_clauses": by_result["missing"], "judged_at": judged_at,
            "policy_version": "；".join(versions[kind] for kind in sorted(versions))[:300]}


def content_hash(application: Application) -> str:
    """A fingerprint of everything submitted: all sections as typed and every evidence file's hash."""
    payload = {
        "sections": section_raw(application),
        "evidence": sorted(application.evidence.values_list("sha256", flat=True)),
        "tier": application.tier,
        "call": application.call.code,
    }
    return sha256_of_json(payload)


def submission_blockers(application: Application, policy: CallPolicy, now: dt.datetime) -> list[str]:
    """Everything that stops a submission now, in the reader's language; empty when it may go ahead."""
    problems = []
    if revision.pending(application):
        # A return's 补正期限 replaces the window: resubmission is open until the due date's end, even after the
        # window closed, and refused after it, even while the window is still open.
        if not revision.is_open(application, policy, now):
            problems.append(revision.lapsed_text(application))
    elif not policy.is_open_at(now):
        problems.append(gettext("当前时间 %(now)s（北京时间）不在申报时间 %(window)s 内（截止到 %(closes)s 24:00）") % {
            "now": moment_local(now, policy), "window": policy.call.content["window"]["text"],
            "closes": date_local(policy.window_closes)})
    if not application.enterprise.is_confirmed:
        problems.append(gettext("企业尚未经所属乡镇（办事处、农场、开发区）确认"))
    for progress in application_progress(application, policy):
        if progress.complete:
            continue
        parts = []
        if progress.clean.missing:
            parts.append(gettext("%(n)s 项未填") % {"n": len(progress.clean.missing)})
        if progress.clean.errors:
            parts.append(gettext("%(n)s 项有误") % {"n": len(progress.clean.errors)})
        if progress.evidence_missing:
            parts.append(gettext("未上传%(topics)s") % {"topics": gettext("、").join(progress.evidence_missing)})
        problems.append(gettext("“%(title)s”尚未完成（%(parts)s）") % {"title": progress.title,
                                                                   "parts": gettext("，").join(parts)})
    return problems
