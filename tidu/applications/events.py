"""Events the applications domain announces (delivered on commit; see tidu.core.events).

Other domains subscribe in their AppConfig.ready() — notifications tell people, on-site checks open when an
expert review completes, dashboards refresh — instead of importing this app's services.
"""

from __future__ import annotations

import dataclasses

from tidu.core.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class ApplicationTransitioned(DomainEvent):
    """An application moved along its lifecycle (submit and resubmit included)."""

    name = "application.transitioned"

    application_id: int
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    audit_id: int
    reason: str = ""
    section_reasons: dict = dataclasses.field(default_factory=dict)
