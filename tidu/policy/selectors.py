"""Reading calls and their policy for pages."""

from __future__ import annotations

from django.conf import settings

from tidu.core import clock
from tidu.core.operations import role_of
from tidu.policy.call_policy import CallPolicy
from tidu.policy.loader import Pack, PackError, PackLibrary, parse_pack
from tidu.policy.models import Call, PackDraft, PolicyPack


def pack_from_row(row: PolicyPack) -> Pack:
    header = row.document["pack"]
    return Pack(id=row.pack_id, kind=row.kind, version=row.version, title=row.title,
                sources=tuple(header["sources"]), content=row.document["content"], sha256=row.sha256,
                path=f"db:{row.ref}", description=header.get("description", ""))


# Per process: (call id, call pack id, policy digest) -> the resolved policy. Published pack versions are
# immutable and a call's digest covers every pack it pins, so an entry never goes stale; a call moved to a newer
# pack has a new key. Bounded: a few calls are live at once.
_POLICY_CACHE: dict[tuple, CallPolicy] = {}
_POLICY_CACHE_MAX = 64


def call_policy_for(call: Call) -> CallPolicy:
    """The policy exactly as stored when the call was loaded: later pack files never change it.

    Read from the database once per process and call (no query on later calls); treat it as read-only.
    """
    key = (call.pk, call.call_pack_id, call.policy_sha256)
    policy = _POLICY_CACHE.get(key) if call.policy_sha256 else None
    if policy is None:
        rows = [call.call_pack, *call.pinned_packs.all()]
        policy = CallPolicy.resolve(PackLibrary(pack_from_row(row) for row in rows), call.call_pack.pack_id,
                                    call.call_pack.version)
        if call.policy_sha256 and policy.sha256 == call.policy_sha256:
            if len(_POLICY_CACHE) >= _POLICY_CACHE_MAX:
                _POLICY_CACHE.clear()
            _POLICY_CACHE[key] = policy
    return policy


# The one order of calls: the most recent first. Every page's call menu lists them so, and a page with no call
# chosen shows the first (``default_call``), so that intake, dashboards and comparisons open on the same call.
CALL_ORDER = ("-year", "-opens_at", "code")


def call_list():
    return Call.objects.select_related("call_pack").order_by(*CALL_ORDER)


def default_call() -> Call | None:
    """The call a page shows unless another is chosen: the most recent."""
    return call_list().first()


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


def registration_call(now=None) -> Call | None:
    """The call registration is for: the one open now (the earliest closing if several), else the next to open,
    else the most recent. None when no call is loaded."""
    moment = now or clock.now()
    calls = Call.objects.select_related("call_pack")
    return (calls.filter(opens_at__lte=moment, closes_before__gt=moment).order_by("closes_before").first()
            or calls.filter(opens_at__gt=moment).order_by("opens_at").first()
            or calls.order_by("-closes_before").first())


# --- the call editor: drafts are the city bureau's -------------------------------------------------------

def drafts_visible_to(user):
    """Call pack drafts (and their diffs and what-ifs): the city bureau's working material, nobody else's."""
    drafts = PackDraft.objects.select_related("call", "base", "published_pack")
    return drafts if role_of(user) == "city" else drafts.none()


def can_view_draft(user, draft: PackDraft) -> bool:
    return role_of(user) == "city"


def policy_of_document(document: dict, where: str = "草稿") -> CallPolicy:
    """A call pack document (a draft) resolved with the published versions it pins: the schema, the cross
    references and the pins are checked exactly as for a pack file (PackError in Chinese otherwise)."""
    pack = parse_pack(document, where)
    rows = []
    for kind, pin in pack.content["packs"].items():
        row = PolicyPack.objects.filter(pack_id=pin["id"], version=pin["version"]).first()
        if row is None:
            raise PackError(where, f"content.packs.{kind}", f"锁定的策略包 {pin['id']}@{pin['version']} 尚未载入")
        rows.append(row)
    return CallPolicy.resolve(PackLibrary([pack, *(pack_from_row(row) for row in rows)]), pack.id, pack.version)
