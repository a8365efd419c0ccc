"""Changes of state in the documents domain, each one operation with one audit row (tidu.core.operations).

* Bureau templates (申报书 Word, 汇总表 Excel) decide how every printed sheet looks: enabling one (which
  replaces the active one of its kind) and disabling one are recorded, with the file's SHA-256.
* Starting a job (装订版, 汇总表导出) is recorded too: who had which material generated, from what. Whether
  the user may see that material is the selectors' answer, asked by the services before the operation.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.files.base import ContentFile
from django.utils.translation import gettext, gettext_noop

from tidu.core.operations import ALLOWED, AuditRecord, Operation, operation_class, refused
from tidu.documents.models import DocumentJob, DocumentTemplate
from tidu.documents.typst_engine import DocumentError
from tidu.policy.models import Call

# Templates are configuration: the city bureau and 系统管理员 (who keeps the platform's configuration) manage them.
TEMPLATE_ROLES = ("city", "admin")


class _DocumentsOperation(Operation):
    error_class: ClassVar[type] = DocumentError


@operation_class
class TemplateEnable(_DocumentsOperation):
    """Store a checked template (and its preview) as the active one of its kind for the call (locked)."""

    name = "document_template.enable"
    label = gettext_noop("启用模板")
    object_type = "document_template"
    roles = TEMPLATE_ROLES

    model = Call

    def state_of(self, obj) -> str:
        return ""

    def perform(self, user, call) -> DocumentTemplate:
        params = self.params
        replaced = list(DocumentTemplate.objects.filter(call=call, kind=params["kind"], is_active=True)
                        .values_list("pk", flat=True))
        DocumentTemplate.objects.filter(pk__in=replaced).update(is_active=False)
        self.replaced = replaced
        template = DocumentTemplate(call=call, kind=params["kind"], original_name=params["original_name"][:255],
                                    sha256=params["sha256"], placeholders=params["placeholders"], uploaded_by=user)
        template.file.save(f"template.{params['extension']}", ContentFile(params["data"]), save=False)
        template.preview.save(params["preview_name"], ContentFile(params["preview"]), save=False)
        template.save()
        return template

    def audit(self, user, call, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, to_status="active",
                           content_sha256=result.sha256,
                           detail={"call": call.code, "kind": result.kind, "name": result.original_name,
                                   "replaced": self.replaced})


@operation_class
class TemplateDisable(_DocumentsOperation):
    name = "document_template.disable"
    label = gettext_noop("停用模板")
    object_type = "document_template"
    model = DocumentTemplate
    roles = TEMPLATE_ROLES

    def state_of(self, obj) -> str:
        return "active" if obj.is_active else "inactive"

    def state_check(self, obj):
        return ALLOWED if obj.is_active else refused(gettext("该模板已停用"))

    def perform(self, user, obj) -> DocumentTemplate:
        obj.is_active = False
        obj.save(update_fields=["is_active"])
        return obj

    def audit(self, user, obj, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=obj.pk, action=self.name, from_status=before,
                           to_status="inactive", content_sha256=obj.sha256,
                           detail={"call_id": obj.call_id, "kind": obj.kind, "name": obj.original_name})


@operation_class
class JobStart(_DocumentsOperation):
    """Record and create a document job. ``obj`` is the application (装订版) or the call (汇总表导出); the
    service has already asked the selectors whether the user may see what the job is made from."""

    name = "document_job.start"
    label = gettext_noop("生成文件")
    object_type = "document_job"
    roles = ("enterprise", "township", "city")

    def lock(self):
        return type(self.obj).objects.select_for_update().get(pk=self.obj.pk)

    def state_of(self, obj) -> str:
        return ""

    def perform(self, user, obj) -> DocumentJob:
        return DocumentJob.objects.create(created_by=user, message="排队中", **self.params["fields"])

    def audit(self, user, obj, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name,
                           to_status=result.status, application_id=result.application_id,
                           detail={"kind": result.kind, "call_id": result.call_id, "params": result.params})
