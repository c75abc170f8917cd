"""The audit trail's promise kept by the database: triggers refuse UPDATE, DELETE and TRUNCATE of
audit events, and each event carries a link of a hash chain (audit.chain); the events already
stored are chained here, oldest id first.

The hashing and the trigger SQL are frozen in this file, as of this migration.
"""

import hashlib
import ipaddress
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

TABLE = "audit_auditevent"
GENESIS = "0" * 64


def _content(event):
    values = [
        event.created_at.astimezone(UTC).isoformat(timespec="milliseconds"),
        event.actor_id,
        event.actor_username,
        event.action,
        event.object_type,
        event.object_id,
        json.loads(json.dumps(event.details, cls=DjangoJSONEncoder)),
        str(ipaddress.ip_address(event.ip_address)) if event.ip_address else None,
    ]
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent._base_manager.using(schema_editor.connection.alias)
    previous = GENESIS
    for event in events.order_by("pk").iterator(chunk_size=2000):
        link = hashlib.sha256(f"{previous}\n{_content(event)}".encode()).hexdigest()
        events.filter(pk=event.pk).update(previous_hash=previous, hash=link)
        previous = link


SQLITE = [
    f"CREATE TRIGGER {TABLE}_no_{verb} BEFORE {verb.upper()} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {verb.upper()} refused'); END"
    for verb in ("update", "delete")
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}" for verb in ("update", "delete")]
POSTGRESQL = [
    f"""CREATE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]


def triggers_create(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def triggers_drop(apps, schema_editor):
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0008_actions_from_the_registry"),
        # The events that migration writes are stored before the chain is made.
        ("guidance", "0007_publish_version_two"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent", options={"base_manager_name": "objects", "ordering": ["-created_at", "-pk"]}
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(triggers_create, triggers_drop, elidable=False),
    ]
