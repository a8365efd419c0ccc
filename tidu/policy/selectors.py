"""Reading calls and their policy for pages."""

from __future__ import annotations

from django.conf import settings

from tidu.policy.call_policy import CallPolicy
from tidu.policy.loader import Pack, PackLibrary
from tidu.policy.models import Call, PolicyPack


def _pack_from_row(row: PolicyPack) -> Pack:
    header = row.document["pack"]
    return Pack(id=row.pack_id, kind=row.kind, version=row.version, title=row.title,
                sources=tuple(header["sources"]), content=row.document["content"], sha256=row.sha256,
                path=f"db:{row.ref}", description=header.get("description", ""))


def call_policy_for(call: Call) -> CallPolicy:
    """The policy exactly as stored when the call was loaded: later pack files never change it."""
    rows = [call.call_pack, *call.pinned_packs.all()]
    return CallPolicy.resolve(PackLibrary(_pack_from_row(row) for row in rows), call.call_pack.pack_id,
                              call.call_pack.version)


def call_list():
    return Call.objects.select_related("call_pack").order_by("-year", "code")


def pack_library_from_files() -> PackLibrary:
    return PackLibrary.from_directory(settings.TIDU_POLICY_DIR)


def scenario_catalogue(policy: CallPolicy) -> list[dict]:
    """Domains → 环节 → scenarios, in the seed's order, for pickers and catalogue pages."""
    domains = []
    for domain in policy.domain_map.values():
        links = []
        for link in policy.link_map.values():
            if link["domain"] != domain["id"]:
                continue
            scenarios = [s for s in policy.scenario_map.values() if s["link"] == link["id"]]
            links.append({**link, "scenarios": scenarios})
        domains.append({**domain, "links": links,
                        "scenario_count": sum(len(link["scenarios"]) for link in links)})
    return domains


def kpi_catalogue(policy: CallPolicy) -> list[dict]:
    return [{**category, "kpis": [k for k in policy.kpi_map.values() if k["category"] == category["id"]]}
            for category in policy.kpi_categories.values()]


def source_index(policy: CallPolicy) -> dict[str, dict]:
    """Every source any pinned pack cites, by id (the same id means the same source across packs)."""
    index: dict[str, dict] = {}
    for kind in policy.versions:
        for source in getattr(policy, kind).sources:
            index.setdefault(source["id"], source)
    return dict(sorted(index.items()))
