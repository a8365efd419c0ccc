"""Readiness of an enterprise from what it has recorded, its snapshots and the T0 → T1 comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tidu.applications import content as application_content
from tidu.applications.models import Application
from tidu.core.dates import date_zh
from tidu.eligibility.interchange import FORMAT
from tidu.enterprises.models import Enterprise
from tidu.policy.call_policy import CallPolicy
from tidu.policy.selectors import call_list, call_policy_for
from tidu.readiness import operations as readiness_operations
from tidu.readiness.diagnosis import Readiness, diagnose, snapshot_diff
from tidu.readiness.errors import ReadinessError
from tidu.readiness.models import ReadinessProfile, ReadinessSnapshot


@dataclass
class Basis:
    """What a diagnosis rests on: the policy, the enterprise's document and a sentence saying where it came from."""

    policy: CallPolicy
    document: dict[str, Any]
    source: str
    application: Application | None


def basis_for(enterprise: Enterprise) -> Basis | None:
    """The enterprise's latest 申报书 (any state, any call) judged under its call's packs; without one, its
    registration alone under the newest call's packs (every recorded item then shows as 待填写)."""
    application = (Application.objects.filter(enterprise=enterprise).select_related("call")
                   .order_by("-updated_at", "-id").first())
    if application is not None:
        policy = call_policy_for(application.call)
        document = application_content.application_interchange(application, policy)
        source = f"{application.call.title}的申报书（{date_zh(application.updated_at)}的内容）"
        return Basis(policy, document, source[:200], application)
    call = call_list().first()
    if call is None:
        return None
    policy = call_policy_for(call)
    identity = application_content.registry_identity(enterprise)
    document = {"format": FORMAT, "call": policy.code,
                "enterprise": {k: v for k, v in identity.items() if v}}
    profile = ReadinessProfile.objects.filter(enterprise=enterprise).first()
    if profile is None:
        return Basis(policy, document, "企业注册信息（尚未开始填写申报书）", None)
    if profile.maturity_level is not None:
        document["maturity"] = {"level": profile.maturity_level}
    if profile.scope:
        document["scope"] = profile.scope
    scenarios = [{"id": s["id"], "description": "", "uses_ai": bool(s.get("uses_ai"))}
                 for s in profile.scenarios if s.get("id") in policy.scenario_map]
    if scenarios:
        document["scenarios"] = scenarios
    return Basis(policy, document, f"就绪度自评信息（{date_zh(profile.updated_at)}填写）", None)


def policy_for_profile():
    """The packs the readiness-only form offers its choices from: the newest call's."""
    call = call_list().first()
    return call_policy_for(call) if call is not None else None


def save_profile(enterprise: Enterprise, user, values: dict) -> ReadinessProfile:
    return readiness_operations.SaveProfile(enterprise, **values).execute(user)


def readiness_of(enterprise: Enterprise) -> tuple[Basis, Readiness] | None:
    basis = basis_for(enterprise)
    if basis is None:
        return None
    return basis, diagnose(basis.policy, basis.document)


def take_snapshot(enterprise: Enterprise, user) -> ReadinessSnapshot:
    found = readiness_of(enterprise)
    if found is None:
        raise ReadinessError("还没有申报批次及其策略包，无法诊断")
    basis, readiness = found
    return readiness_operations.TakeSnapshot(enterprise, readiness=readiness, source=basis.source).execute(user)


def progress(enterprise: Enterprise) -> dict[str, Any] | None:
    """The first (T0) and latest (T1) snapshots and what changed between them."""
    snapshots = list(ReadinessSnapshot.objects.filter(enterprise=enterprise).order_by("taken_at", "id"))
    if len(snapshots) < 2:
        return None
    first, last = snapshots[0], snapshots[-1]
    return {"first": first, "last": last, "changes": snapshot_diff(first.result(), last.result())}
