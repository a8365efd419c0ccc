"""The before/after of an 申报书 section save, field by field with the form's labels, for the 操作日志.

Registered with ``tidu.core.audit_log`` from ``ApplicationsConfig.ready()``. A save made while the application
was still a draft is the enterprise's own business (see ``SectionRevision``): its entry shows no content.
"""

from __future__ import annotations

from tidu.applications.models import SectionRevision
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.workflow import State
from tidu.core.audit_log import FieldChange, display


def section_changes(entry) -> list[FieldChange] | None:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    revision = detail.get("revision")
    if not revision:
        return None
    after = SectionRevision.objects.filter(section_id=entry.object_id, revision=revision).first()
    if after is None or after.application_status == State.DRAFT:
        return None
    before = SectionRevision.objects.filter(section_id=entry.object_id, revision__lt=revision) \
        .order_by("-revision").first()
    old, new = (before.data if before else {}) or {}, after.data or {}
    spec = SECTIONS_BY_KEY.get(detail.get("key", ""))
    labels = {field.name: field.label for field in spec.fields} if spec else {}
    names = [name for name in labels if name in old or name in new]
    names += sorted(name for name in {*old, *new} if name not in labels)
    return [FieldChange(labels.get(name, name), display(old.get(name)), display(new.get(name))) for name in names]
