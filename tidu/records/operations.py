"""Changes of state in the records domain: starting a call's archive is recorded (who had it built, when)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from tidu.core.errors import TiduError
from tidu.core.operations import AuditRecord, Operation, operation_class, write_audit
from tidu.policy.models import Call
from tidu.records.models import ArchiveJob


class ArchiveError(TiduError):
    pass


def _record(job: ArchiveJob) -> AuditRecord:
    return AuditRecord(object_type="archive_job", object_id=job.pk, action=ArchiveStart.name,
                       to_status=job.status, detail={"call": job.call.code, "call_id": job.call_id, "kind": job.kind})


@operation_class
class ArchiveStart(Operation):
    """Create the archive job of a call (``obj`` is the call, locked so two clicks make one job at a time)."""

    name = "archive.start"
    label = gettext_noop("生成归档包")
    object_type = "archive_job"
    roles = ("city",)
    model = Call
    error_class = ArchiveError

    def state_of(self, obj) -> str:
        return ""

    @property
    def kind(self) -> str:
        return self.params.get("kind") or ArchiveJob.Kind.ARCHIVE

    def validate(self, user, call) -> None:
        if self.kind not in ArchiveJob.Kind.values:
            raise ArchiveError(gettext("未知的导出类型。"))
        if ArchiveJob.objects.filter(call=call, kind=self.kind, status__in=(ArchiveJob.Status.PENDING,
                                                                            ArchiveJob.Status.RUNNING)).exists():
            raise ArchiveError(gettext("该批次的%(label)s正在生成，请等待完成后再试。") % {
                    "label": gettext(ArchiveJob.Kind(self.kind).label)})

    def perform(self, user, call) -> ArchiveJob:
        return ArchiveJob.objects.create(call=call, kind=self.kind, created_by=user, message="排队中")

    def audit(self, user, call, result, before) -> AuditRecord:
        return _record(result)


def start_from_command_line(call: Call, kind: str = ArchiveJob.Kind.ARCHIVE) -> ArchiveJob:
    """``tidu archive_call``: the operator at the server, no signed-in user; recorded like any start (actor empty),
    as ``policy`` records a library import from the command line."""
    from django.db import transaction

    with transaction.atomic():
        job = ArchiveJob.objects.create(call=call, kind=kind, created_by=None, message="排队中")
        write_audit(None, _record(job))
    return job
