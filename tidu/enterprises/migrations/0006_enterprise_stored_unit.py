"""The enterprise's stored unit (its organisation node's parent), filled, and the triggers that keep it equal:

- an enterprise inserted, or its organisation changed: the unit read from the organisation;
- an organisation's parent changed: its enterprise follows.

Nothing is written on a delete, so emptying the tables in any order (a test flush) is harmless; the column has no
foreign key. On SQLite a later migration that remakes one of the two tables must install its triggers again
(``tidu/enterprises/tests/test_stored_unit.py`` checks they exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


E, O = "enterprises_enterprise", "accounts_organisation"
UNIT_OF = f"(SELECT parent_id FROM {O} WHERE {O}.id = NEW.organisation_id)"
TRIGGERS = {
    "sqlite": [
        ("enterprise_unit_insert", f"CREATE TRIGGER enterprise_unit_insert AFTER INSERT ON {E} FOR EACH ROW "
         f"BEGIN UPDATE {E} SET stored_unit_id = {UNIT_OF} WHERE id = NEW.id; END"),
        ("enterprise_unit_update", f"CREATE TRIGGER enterprise_unit_update AFTER UPDATE OF organisation_id, "
         f"stored_unit_id ON {E} FOR EACH ROW WHEN NEW.stored_unit_id IS NOT {UNIT_OF} "
         f"BEGIN UPDATE {E} SET stored_unit_id = {UNIT_OF} WHERE id = NEW.id; END"),
        ("organisation_unit_update", f"CREATE TRIGGER organisation_unit_update AFTER UPDATE OF parent_id ON {O} "
         f"FOR EACH ROW WHEN OLD.parent_id IS NOT NEW.parent_id "
         f"BEGIN UPDATE {E} SET stored_unit_id = NEW.parent_id WHERE organisation_id = NEW.id; END"),
    ],
    "postgresql": [
        ("enterprise_unit_write", "CREATE FUNCTION enterprise_unit_write() RETURNS trigger LANGUAGE plpgsql AS $$ "
         f"BEGIN NEW.stored_unit_id := {UNIT_OF}; RETURN NEW; END $$"),
        ("enterprise_unit_write", f"CREATE TRIGGER enterprise_unit_write BEFORE INSERT OR UPDATE ON {E} "
         "FOR EACH ROW EXECUTE FUNCTION enterprise_unit_write()"),
        ("organisation_unit_update", "CREATE FUNCTION organisation_unit_update() RETURNS trigger LANGUAGE plpgsql "
         f"AS $$ BEGIN UPDATE {E} SET stored_unit_id = NEW.parent_id WHERE organisation_id = NEW.id; RETURN NULL; "
         "END $$"),
        ("organisation_unit_update", f"CREATE TRIGGER organisation_unit_update AFTER UPDATE ON {O} FOR EACH ROW "
         "WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id) EXECUTE FUNCTION organisation_unit_update()"),
    ],
}
TABLE_OF = {"enterprise_unit_insert": E, "enterprise_unit_update": E, "enterprise_unit_write": E,
            "organisation_unit_update": O}


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in TRIGGERS:
        raise NotImplementedError(f"enterprise unit triggers: no SQL for {vendor}")
    schema_editor.execute(f"UPDATE {E} SET stored_unit_id = (SELECT parent_id FROM {O} WHERE {O}.id = "
                          f"{E}.organisation_id)", params=None)
    for _name, statement in TRIGGERS[vendor]:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in dict(TRIGGERS[vendor]):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE_OF[name]}", params=None)
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()", params=None)
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_password_history'),
        ('enterprises', '0005_delegation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='enterprise',
            name='stored_unit',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation', verbose_name='所属乡镇'),
        ),
        migrations.AddIndex(
            model_name='enterprise',
            index=models.Index(fields=['stored_unit', 'name', 'id'], name='enterprise_unit_name_idx'),
        ),
        migrations.RunPython(install, uninstall),
    ]
