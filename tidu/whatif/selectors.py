"""Who may see a what-if: whoever may see its draft (the city bureau), like the draft itself."""

from __future__ import annotations

from tidu.policy.selectors import drafts_visible_to
from tidu.whatif.models import WhatIfRun


def runs_visible_to(user):
    return WhatIfRun.objects.select_related("draft", "call").filter(draft__in=drafts_visible_to(user))
