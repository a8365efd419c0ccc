"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail (defence in depth:
the model and its queryset refuse too, but a raw query or a bug elsewhere must not rewrite history)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION tidu_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION tidu_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS tidu_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
