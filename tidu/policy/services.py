"""Writing policy packs into the database (the only place packs enter it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext

from tidu.core.operations import AuditRecord, write_audit
from tidu.policy.call_policy import CallPolicy
from tidu.policy.loader import Pack, PackError, PackLibrary
from tidu.policy.loader import version_key as _version_key
from tidu.policy.models import Call, PolicyPack


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)


def _store_pack(pack: Pack, report: LoadReport) -> PolicyPack:
    existing = PolicyPack.objects.filter(pack_id=pack.id, version=pack.version).first()
    if existing is None:
        report.created.append(pack.ref)
        return PolicyPack.objects.create(pack_id=pack.id, version=pack.version, kind=pack.kind, title=pack.title,
                                         document=pack.as_document(), sha256=pack.sha256)
    if existing.sha256 != pack.sha256:
        raise PackError(pack.path, "pack.version",
                        gettext("%(ref)s 已载入且内容不同；已发布的版本不可修改，请提高版本号后再载入") % {"ref": pack.ref})
    report.unchanged.append(pack.ref)
    return existing


def store_call(policy: CallPolicy, call_pack: PolicyPack, pinned: list[PolicyPack]) -> Call:
    """Create or refresh the call ``policy`` describes, pinned to ``call_pack`` and ``pinned`` (stored rows)."""
    call, _ = Call.objects.update_or_create(
        code=policy.code,
        defaults={
            "title": policy.call.content["title"],
            "year": policy.call.content["year"],
            "region": policy.region_name,
            "tier": policy.call_tier["name"],
            "opens_at": policy.opens_at,
            "closes_before": policy.closes_before,
            "township_deadline_before": policy.end_of_day_exclusive(policy.township_deadline),
            "call_pack": call_pack,
            "policy_sha256": policy.sha256,
        },
    )
    call.pinned_packs.set(pinned)
    return call


@transaction.atomic
def policy_load_library(library: PackLibrary) -> LoadReport:
    """Store every pack version of ``library`` and create or refresh the calls they describe."""
    report = LoadReport()
    pins: dict[str, dict[str, str]] = {}
    stored = {pack.ref: _store_pack(pack, report) for pack in library}
    for call_pack in library.calls():
        if call_pack.version != library.latest(call_pack.id).version:
            continue
        policy = CallPolicy.resolve(library, call_pack.id, call_pack.version)
        current = Call.objects.filter(code=policy.code).select_related("call_pack").first()
        if current and _version_key(current.call_pack.version) > _version_key(call_pack.version):
            continue  # never move a call back to an older pack because an older library was loaded
        store_call(policy, stored[call_pack.ref], [stored[ref] for kind, ref in policy.versions.items() if kind != "call"])
        report.calls.append(policy.code)
        pins[policy.code] = policy.versions
    if report.created:
        # Which policy was in force when is part of every decision's record: one row per load that changed it.
        write_audit(None, AuditRecord(object_type="policy_library", object_id=",".join(report.calls) or "-",
                                      action="policy.load", to_status="loaded",
                                      detail={"created": report.created, "calls": pins}))
    return report
