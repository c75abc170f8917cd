"""On PostgreSQL, trigram indexes for the reviewer's search over label and notes.

The search is a case-insensitive substring match (`icontains`, which
PostgreSQL runs as UPPER(column) LIKE UPPER('%term%')). A B-tree index cannot
serve it, so a rare term would read every case; GIN trigram indexes on the
same expressions find the matches directly. They live outside the model
state because other databases have no equivalent; elsewhere this does nothing.
If the database refuses to create the pg_trgm extension (it needs the
database owner on PostgreSQL 13 and later), the search still works, slowly,
and the migration says so.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = {
    "case_label_trgm_idx": 'UPPER("label"::text)',
    "case_notes_trgm_idx": 'UPPER("notes")',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001 - any refusal leaves the search unindexed, not broken
            logger.warning("pg_trgm unavailable (%s): the reviewer's search runs unindexed.", exc)
            return
        for name, expression in INDEXES.items():
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" USING gin ({expression} gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_review")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
