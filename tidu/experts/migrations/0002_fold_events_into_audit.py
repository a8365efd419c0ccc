"""Fold 评审任务记录 (AssignmentEvent) into core.AuditEntry, losing nothing (the total at the time included)."""

from django.db import migrations


def forward(apps, schema_editor):
    AssignmentEvent = apps.get_model("experts", "AssignmentEvent")
    AuditEntry = apps.get_model("core", "AuditEntry")
    User = apps.get_model("accounts", "User")
    roles = dict(User.objects.values_list("pk", "role"))
    superusers = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
    AuditEntry.objects.bulk_create([
        AuditEntry(created_at=event.created_at, actor_id=event.actor_id,
                   actor_role="admin" if event.actor_id in superusers else roles.get(event.actor_id, ""),
                   object_type="assignment", object_id=str(event.assignment_id),
                   application_id=event.assignment.application_id, action=event.action, reason=event.reason,
                   detail={"total": None if event.total is None else str(event.total), "legacy_id": event.pk,
                           "legacy_table": "experts_assignmentevent"})
        for event in AssignmentEvent.objects.select_related("assignment").order_by("created_at", "id")])


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial"), ("core", "0002_audit_append_only_trigger"),
                    ("accounts", "0002_loginthrottle")]
    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.DeleteModel(name="AssignmentEvent"),
    ]
