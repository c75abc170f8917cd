"""Assessments and feedback are append-only in the database too: triggers refuse UPDATE, DELETE and
TRUNCATE (the marking writes the case's own columns, never an assessment). The SQL is frozen here."""

from django.db import migrations

TABLES = ["cases_assessment", "cases_recommendationfeedback"]


def _sqlite(table):
    return [
        f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb.upper()} refused'); END"
        for verb in ("update", "delete")
    ]


def _sqlite_drop(table):
    return [f"DROP TRIGGER IF EXISTS {table}_no_{verb}" for verb in ("update", "delete")]


def _postgresql(table):
    return [
        f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$""",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
    ]


def _postgresql_drop(table):
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_append_only()",
    ]


def triggers_create(apps, schema_editor):
    make = {"sqlite": _sqlite, "postgresql": _postgresql}.get(schema_editor.connection.vendor)
    for table in TABLES if make else []:
        for sql in make(table):
            schema_editor.execute(sql, params=None)


def triggers_drop(apps, schema_editor):
    drop = {"sqlite": _sqlite_drop, "postgresql": _postgresql_drop}.get(schema_editor.connection.vendor)
    for table in TABLES if drop else []:
        for sql in drop(table):
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_case_fact_constraints")]

    operations = [
        migrations.AlterModelOptions(
            name="assessment", options={"base_manager_name": "objects", "ordering": ["-created_at", "-pk"]}
        ),
        migrations.AlterModelOptions(
            name="recommendationfeedback",
            options={
                "base_manager_name": "objects",
                "ordering": ["-created_at", "-pk"],
                "verbose_name_plural": "recommendation feedback",
            },
        ),
        migrations.RunPython(triggers_create, triggers_drop, elidable=False),
    ]
