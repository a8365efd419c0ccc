"""Fold 申报记录 (ApplicationEvent) into the one audit trail (core.AuditEntry), losing nothing.

Every row keeps its actor, role, action, states, reason, section reasons, content hash and time; its old id is
kept in detail["legacy_id"] so that rows pointing at it (形式审查) can be re-pointed.
"""

from django.db import migrations


def forward(apps, schema_editor):
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    AuditEntry = apps.get_model("core", "AuditEntry")
    batch = []
    for event in ApplicationEvent.objects.order_by("created_at", "id").iterator(chunk_size=2000):
        detail = {"legacy_id": event.pk, "legacy_table": "applications_applicationevent"}
        if event.section_reasons:
            detail["section_reasons"] = event.section_reasons
        batch.append(AuditEntry(
            created_at=event.created_at, actor_id=event.actor_id, actor_role=event.actor_role,
            object_type="application", object_id=str(event.application_id), application_id=event.application_id,
            action=event.action, from_status=event.from_status, to_status=event.to_status, reason=event.reason,
            detail=detail, content_sha256=event.content_sha256))
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("applications", "0004_submission_ordering"), ("core", "0002_audit_append_only_trigger")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
