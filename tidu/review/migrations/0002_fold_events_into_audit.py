"""Fold 推荐名单记录 (RecommendationListEvent) into core.AuditEntry, and point 形式审查 at its audit row."""

from django.db import migrations, models
import django.db.models.deletion


def forward(apps, schema_editor):
    ListEvent = apps.get_model("review", "RecommendationListEvent")
    AuditEntry = apps.get_model("core", "AuditEntry")
    FormalReview = apps.get_model("review", "FormalReview")
    AuditEntry.objects.bulk_create([
        AuditEntry(created_at=event.created_at, actor_id=event.actor_id, actor_role=event.actor_role,
                   object_type="recommendation_list", object_id=str(event.recommendation_list_id),
                   action=event.action, from_status=event.from_status, to_status=event.to_status,
                   reason=event.reason, detail={**(event.detail or {}), "legacy_id": event.pk,
                                                "legacy_table": "review_recommendationlistevent"})
        for event in ListEvent.objects.order_by("created_at", "id")])
    by_legacy = {}
    for entry in AuditEntry.objects.filter(object_type="application").only("pk", "detail"):
        legacy = (entry.detail or {}).get("legacy_id")
        if legacy is not None and entry.detail.get("legacy_table") == "applications_applicationevent":
            by_legacy[legacy] = entry.pk
    for review in FormalReview.objects.exclude(event_id=None):
        review.audit_entry_id = by_legacy[review.event_id]
        review.save(update_fields=["audit_entry"])


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial"), ("applications", "0005_fold_events_into_audit"),
                    ("core", "0002_audit_append_only_trigger")]
    operations = [
        migrations.AddField(
            model_name="formalreview", name="audit_entry",
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="formal_review", to="core.auditentry",
                                       verbose_name="操作日志")),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(model_name="formalreview", name="event"),
        migrations.DeleteModel(name="RecommendationListEvent"),
    ]
