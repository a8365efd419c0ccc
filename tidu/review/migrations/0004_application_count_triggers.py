"""Database triggers that keep ``applications.ApplicationCount`` equal to the applications (issue 15).

They live here, after both apps' tables exist: they read the application, receipt (Submission), 推荐名单 entry and
推荐名单 tables. Every change that moves an application from one count key (call, unit, status, has a receipt, on a
list, list sent) to another is a *move*: decrement the old key, increment the new one. Rules that keep a test flush
(tables emptied in any order) harmless:

- a decrement is an UPDATE, never an INSERT; a row is deleted once its count reaches 0 (or below, when the counts
  were emptied first);
- every key is read from the tables as they are, joined to the application: once the application is gone a change
  of its receipts or entry counts nothing;
- the counts table has no foreign key.

On SQLite a migration that alters one of the four tables remakes it (new table, copy, drop, rename) and the
remade table has lost its triggers: such a migration must run ``create_sql`` for that table's triggers again
(``tidu/review/tests/test_application_counts.py`` checks that every trigger exists).

The SQL is written out here (not imported from the app's code) so that this migration means the same forever.
"""

from django.db import migrations

A, S = "applications_application", "applications_submission"
E, L = "review_recommendationentry", "review_recommendationlist"
C = "applications_applicationcount"
SENT = "'sent'"  # RecommendationList.Status.SENT
KEY = "call_id, unit_id, status, has_receipt, listed, sent"


def has_receipt(aid):
    return f"EXISTS (SELECT 1 FROM {S} WHERE {S}.application_id = {aid})"


def listed(aid):
    return f"EXISTS (SELECT 1 FROM {E} WHERE {E}.application_id = {aid})"


def sent(aid):
    return (f"EXISTS (SELECT 1 FROM {E} JOIN {L} ON {L}.id = {E}.recommendation_list_id "
            f"WHERE {E}.application_id = {aid} AND {L}.status = {SENT})")


def key_of_row(row, **given):
    """The key of the application in trigger record ``row`` (OLD or NEW of the application table)."""
    aid = f"{row}.id"
    return (f"{row}.call_id", f"COALESCE({row}.unit_id, 0)", f"{row}.status", given.get("hr") or has_receipt(aid),
            given.get("listed") or listed(aid), given.get("sent") or sent(aid))


def key_of_id(aid, **given):
    """The key of the application with id ``aid``, read from the table (NULL, so nothing matches, once it is gone)."""
    def column(expression):
        return f"(SELECT {expression} FROM {A} WHERE {A}.id = {aid})"
    return (column("call_id"), column("COALESCE(unit_id, 0)"), column("status"), given.get("hr") or has_receipt(aid),
            given.get("listed") or listed(aid), given.get("sent") or sent(aid))


def decrement(key, guard="TRUE"):
    names = KEY.split(", ")
    where = " AND ".join(f"{C}.{name} = ({value})" for name, value in zip(names, key, strict=True))
    return [f"UPDATE {C} SET n = n - 1 WHERE {where} AND ({guard})",
            f"DELETE FROM {C} WHERE n <= 0 AND call_id = ({key[0]})"]


def increment_row(key, guard="TRUE"):
    values = ", ".join(f"({value})" for value in key)
    return [f"INSERT INTO {C} ({KEY}, n) SELECT {values}, 1 WHERE ({guard}) AND ({key[0]}) IS NOT NULL "
            f"ON CONFLICT ({KEY}) DO UPDATE SET n = {C}.n + excluded.n"]


def move_list(list_id, call_id, was_sent, now_sent):
    """The applications on list ``list_id`` go from sent = ``was_sent`` to sent = ``now_sent`` (set-based)."""
    on_list = f"FROM {A} a JOIN {E} e ON e.application_id = a.id WHERE e.recommendation_list_id = {list_id}"
    match = (f"a.call_id = {C}.call_id AND COALESCE(a.unit_id, 0) = {C}.unit_id AND a.status = {C}.status "
             f"AND ({has_receipt('a.id')}) = {C}.has_receipt")
    return [f"UPDATE {C} SET n = n - (SELECT COUNT(*) {on_list} AND {match}) "
            f"WHERE {C}.listed = TRUE AND {C}.sent = ({was_sent}) AND EXISTS (SELECT 1 {on_list} AND {match})",
            f"DELETE FROM {C} WHERE n <= 0",
            f"INSERT INTO {C} ({KEY}, n) SELECT a.call_id, COALESCE(a.unit_id, 0), a.status, {has_receipt('a.id')}, "
            f"TRUE, ({now_sent}), COUNT(*) {on_list} GROUP BY a.call_id, COALESCE(a.unit_id, 0), a.status, "
            f"{has_receipt('a.id')} ON CONFLICT ({KEY}) DO UPDATE SET n = {C}.n + excluded.n"]


def submission_added(aid, sid):
    first = f"NOT EXISTS (SELECT 1 FROM {S} WHERE {S}.application_id = {aid} AND {S}.id <> {sid})"
    return decrement(key_of_id(aid, hr="FALSE"), first) + increment_row(key_of_id(aid, hr="TRUE"), first)


def submission_removed(aid):
    last = f"NOT EXISTS (SELECT 1 FROM {S} WHERE {S}.application_id = {aid})"
    return decrement(key_of_id(aid, hr="TRUE"), last) + increment_row(key_of_id(aid, hr="FALSE"), last)


def entry_added(aid, list_id):
    now_sent = f"EXISTS (SELECT 1 FROM {L} WHERE {L}.id = {list_id} AND {L}.status = {SENT})"
    return (decrement(key_of_id(aid, listed="FALSE", sent="FALSE"))
            + increment_row(key_of_id(aid, listed="TRUE", sent=now_sent)))


def entry_removed(aid, list_id):
    was_sent = f"EXISTS (SELECT 1 FROM {L} WHERE {L}.id = {list_id} AND {L}.status = {SENT})"
    return (decrement(key_of_id(aid, listed="TRUE", sent=was_sent))
            + increment_row(key_of_id(aid, listed="FALSE", sent="FALSE")))


# (name, table, event, condition or None, statements)
TRIGGERS = [
    ("application_insert", A, "INSERT", None, increment_row(key_of_row("NEW"))),
    ("application_delete", A, "DELETE", None, decrement(key_of_row("OLD"))),
    ("application_update", A, "UPDATE", "OLD.call_id {ne} NEW.call_id OR OLD.unit_id {ne} NEW.unit_id "
     "OR OLD.status {ne} NEW.status OR OLD.id {ne} NEW.id",
     decrement(key_of_row("OLD")) + increment_row(key_of_row("NEW"))),
    ("submission_insert", S, "INSERT", None, submission_added("NEW.application_id", "NEW.id")),
    ("submission_delete", S, "DELETE", None, submission_removed("OLD.application_id")),
    ("submission_update", S, "UPDATE", "OLD.application_id {ne} NEW.application_id OR OLD.id {ne} NEW.id",
     submission_removed("OLD.application_id") + submission_added("NEW.application_id", "NEW.id")),
    ("entry_insert", E, "INSERT", None, entry_added("NEW.application_id", "NEW.recommendation_list_id")),
    ("entry_delete", E, "DELETE", None, entry_removed("OLD.application_id", "OLD.recommendation_list_id")),
    ("entry_update", E, "UPDATE",
     "OLD.application_id {ne} NEW.application_id OR OLD.recommendation_list_id {ne} NEW.recommendation_list_id",
     entry_removed("OLD.application_id", "OLD.recommendation_list_id")
     + entry_added("NEW.application_id", "NEW.recommendation_list_id")),
    # A list is sent or reopened; a list inserted as sent (its entries may come first in a bulk load); a list
    # deleted while entries still point to it (they then count as on no sent list, as a LEFT JOIN reads them).
    ("list_insert", L, "INSERT", f"NEW.status = {SENT}", move_list("NEW.id", "NEW.call_id", "FALSE", "TRUE")),
    ("list_update", L, "UPDATE", f"(OLD.status = {SENT}) {{ne}} (NEW.status = {SENT}) OR OLD.id {{ne}} NEW.id",
     move_list("OLD.id", "OLD.call_id", f"OLD.status = {SENT}", "FALSE")
     + move_list("NEW.id", "NEW.call_id", "FALSE", f"NEW.status = {SENT}")),
    ("list_delete", L, "DELETE", f"OLD.status = {SENT}", move_list("OLD.id", "OLD.call_id", "TRUE", "FALSE")),
]

FILL = (f"INSERT INTO {C} ({KEY}, n) SELECT a.call_id, COALESCE(a.unit_id, 0), a.status, {has_receipt('a.id')}, "
        f"{listed('a.id')}, {sent('a.id')}, COUNT(*) FROM {A} a WHERE TRUE GROUP BY a.call_id, COALESCE(a.unit_id, 0), "
        f"a.status, {has_receipt('a.id')}, {listed('a.id')}, {sent('a.id')}")


def create_sql(vendor: str) -> list[str]:
    sql = []
    for name, table, event, condition, statements in TRIGGERS:
        trigger = f"application_count_{name}"
        body = ";\n".join(statements) + ";"
        if vendor == "postgresql":
            when = f" WHEN ({condition.format(ne='IS DISTINCT FROM')})" if condition else ""
            sql.append(f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}\n"
                       f"RETURN NULL;\nEND\n$$")
            sql.append(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW{when} "
                       f"EXECUTE FUNCTION {trigger}()")
        else:
            when = f" WHEN ({condition.format(ne='IS NOT')})" if condition else ""
            sql.append(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW{when}\nBEGIN\n{body}\nEND")
    return sql


def drop_sql(vendor: str) -> list[str]:
    sql = []
    for name, table, *_ in TRIGGERS:
        trigger = f"application_count_{name}"
        if vendor == "postgresql":
            sql += [f"DROP TRIGGER IF EXISTS {trigger} ON {table}", f"DROP FUNCTION IF EXISTS {trigger}()"]
        else:
            sql.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return sql


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"application count triggers: no SQL for {vendor}")
    for statement in create_sql(vendor):
        schema_editor.execute(statement, params=None)
    schema_editor.execute(f"DELETE FROM {C}", params=None)
    schema_editor.execute(FILL, params=None)


def uninstall(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0013_application_count"),
        ("review", "0003_batch_items_chunked_jobs"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
