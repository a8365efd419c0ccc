"""Events the 公示 domain announces (delivered on commit; see tidu.core.events). Other domains subscribe in
their AppConfig.ready() instead of importing this app's services."""

from __future__ import annotations

import dataclasses

from tidu.core.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class PublicityTransitioned(DomainEvent):
    """A 公示 was published, its period closed, or it was finalised (认定名单 published)."""

    name = "publicity.transitioned"

    publicity_id: int
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    audit_id: int


@dataclasses.dataclass(frozen=True)
class ObjectionSubmitted(DomainEvent):
    name = "publicity.objection_submitted"

    objection_id: int
    publicity_id: int
    entry_id: int
    audit_id: int


@dataclasses.dataclass(frozen=True)
class ObjectionDecided(DomainEvent):
    name = "publicity.objection_decided"

    objection_id: int
    publicity_id: int
    outcome: str
    actor_id: int | None
    audit_id: int
