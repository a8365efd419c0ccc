"""Who may see which readiness: an enterprise its own; a township its unit's enterprises; the city all of them.
The city's distribution counts stored snapshots (the latest per enterprise) in one aggregate query."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from tidu.enterprises.selectors import enterprises_visible_to
from tidu.readiness.models import ReadinessSnapshot


def snapshots_visible_to(user) -> QuerySet[ReadinessSnapshot]:
    return ReadinessSnapshot.objects.filter(enterprise__in=enterprises_visible_to(user))


def latest_snapshots_visible_to(user) -> QuerySet[ReadinessSnapshot]:
    """Each visible enterprise's latest snapshot (one row per enterprise that has one)."""
    newest = (ReadinessSnapshot.objects.filter(enterprise=OuterRef("enterprise"))
              .order_by("-taken_at", "-id").values("id")[:1])
    return snapshots_visible_to(user).filter(id=Subquery(newest))


def distribution(user, tiers: list[dict]) -> dict:
    """For each tier of the pack (``tiers``: id, name, rank): how many enterprises reach it, how many have it as
    their next tier and are one construction domain short of it; and how many have no diagnosis yet."""
    latest = latest_snapshots_visible_to(user).order_by()
    aggregates = {}
    for tier in tiers:
        aggregates[f"reached_{tier['id']}"] = Count("id", filter=Q(current_rank__gte=tier["rank"]))
        aggregates[f"next_{tier['id']}"] = Count("id", filter=Q(next_tier=tier["id"]))
        aggregates[f"one_short_{tier['id']}"] = Count("id", filter=Q(next_tier=tier["id"], domains_short=1))
    aggregates["diagnosed"] = Count("id")
    aggregates["none_reached"] = Count("id", filter=Q(current_rank=0))
    counts = latest.aggregate(**aggregates)
    enterprises = enterprises_visible_to(user).count()
    rows = [{"id": t["id"], "name": t["name"], "reached": counts[f"reached_{t['id']}"],
             "next": counts[f"next_{t['id']}"], "one_short": counts[f"one_short_{t['id']}"]} for t in tiers]
    return {"rows": rows, "diagnosed": counts["diagnosed"], "none_reached": counts["none_reached"],
            "enterprises": enterprises, "undiagnosed": enterprises - counts["diagnosed"]}
