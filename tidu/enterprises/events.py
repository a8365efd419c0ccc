"""Events the enterprises domain announces (delivered on commit; see tidu.core.events)."""

from __future__ import annotations

import dataclasses

from tidu.core.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class EnterpriseConfirmationDecided(DomainEvent):
    """The township confirmed an enterprise (``enterprise.confirm``) or sent it back (``enterprise.reject``)."""

    name = "enterprise.confirmation_decided"

    enterprise_id: int
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    audit_id: int
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class EnterpriseRegistered(DomainEvent):
    """An enterprise registered under a unit and waits for the unit's confirmation (``enterprise.register``)."""

    name = "enterprise.registered"

    enterprise_id: int
    unit_id: int
    audit_id: int
