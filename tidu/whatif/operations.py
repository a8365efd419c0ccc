"""Starting a what-if is recorded (who re-judged which call under which draft); the run itself changes nothing."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tidu.core.errors import TiduError
from tidu.core.operations import AuditRecord, Operation, operation_class
from tidu.policy.loader import PackError
from tidu.policy.models import PackDraft
from tidu.policy.selectors import policy_of_document
from tidu.whatif.models import WhatIfRun


class WhatIfError(TiduError):
    pass


@operation_class
class WhatIfStart(Operation):
    """Params: call (the call whose submitted applications are re-judged)."""

    name = "whatif.start"
    label = gettext_noop("试算")
    object_type = "whatif_run"
    roles = ("city",)
    error_class = WhatIfError
    model = PackDraft

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, draft) -> None:
        try:
            policy_of_document(draft.document, draft.ref)
        except PackError as error:
            raise WhatIfError(_("草稿未通过策略包校验，不能试算："), [error.message]) from error

    def perform(self, user, draft) -> WhatIfRun:
        return WhatIfRun.objects.create(draft=draft, call=self.params["call"], created_by=user, message="排队中")

    def audit(self, user, draft, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name,
                           to_status=result.status, detail={"draft": draft.ref, "call": result.call.code})
