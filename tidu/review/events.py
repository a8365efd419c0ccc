"""Events the review domain announces (delivered on commit; see tidu.core.events)."""

from __future__ import annotations

import dataclasses

from tidu.core.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class RecommendationListChanged(DomainEvent):
    """A 推荐名单 was created, edited, signed, unsigned, sent or reopened (one event per operation)."""

    name = "review.recommendation_list_changed"

    list_id: int
    call_id: int
    unit_id: int
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    audit_id: int
