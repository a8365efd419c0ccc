"""Recording the call's 认定通知 (文号 and 发文日期): one operation, one audit row (tidu.core.operations).

The city may record it once the call has a published 认定名单 (at least one finalised 公示 batch), and correct
it later: every recording is audited with what it replaced.
"""

from __future__ import annotations

import datetime as dt

from tidu.core.operations import ALLOWED, AuditRecord, Check, Operation, operation_class, refused
from tidu.policy.models import Call
from tidu.publicity.errors import PublicityError
from tidu.publicity.models import Publicity, RecognitionNotice


@operation_class
class RecognitionNoticeRecord(Operation):
    name = "recognition_notice.record"
    label = "录入认定通知文号"
    object_type = "recognition_notice"
    model = Call
    roles = ("city",)
    error_class = PublicityError
    text_labels = {"document_number": "文号"}

    def state_of(self, obj) -> str:
        return "recorded" if RecognitionNotice.objects.filter(call=obj).exists() else "none"

    def rules_check(self, user, obj) -> Check:
        if not Publicity.objects.filter(call=obj, status=Publicity.Status.FINALISED).exists():
            return refused("本批次尚无已认定并公布名单的公示，不能发认定通知")
        return ALLOWED

    def validate(self, user, obj) -> None:
        number = str(self.params.get("document_number") or "").strip()
        if not number:
            raise PublicityError("请填写文号")
        if len(number) > 100:
            raise PublicityError("文号不能超过 100 个字")
        if not isinstance(self.params.get("issue_date"), dt.date):
            raise PublicityError("请填写发文日期")
        self.number = number

    def perform(self, user, obj) -> RecognitionNotice:
        notice = RecognitionNotice.objects.filter(call=obj).first()
        self.previous = ({"document_number": notice.document_number, "issue_date": notice.issue_date.isoformat()}
                         if notice else None)
        if notice is None:
            notice = RecognitionNotice(call=obj)
        elif (notice.document_number, notice.issue_date) == (self.number, self.params["issue_date"]):
            self.unchanged = True
            return notice
        notice.document_number, notice.issue_date, notice.recorded_by = self.number, self.params["issue_date"], user
        notice.save()
        return notice

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, from_status=before,
                           to_status="recorded",
                           detail={"call": obj.code, "document_number": result.document_number,
                                   "issue_date": result.issue_date.isoformat(), "previous": self.previous})
