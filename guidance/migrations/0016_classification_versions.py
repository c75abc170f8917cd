"""The classification record (WHO 2022) in the database, versioned like the guidance: version 1 is the
record shipped in guidance/data/classification-who-2022.json, published by the system. Triggers refuse,
on SQLite and PostgreSQL, any change to a published or retired record except published -> retired, and
deleting one. The fingerprint's formula and the SQL are frozen here (no app code is imported)."""

import hashlib
import json
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "classification-who-2022.json"
TABLE = "guidance_classificationversion"
SYSTEM_NOTE = (
    "Version 1: the record shipped in guidance/data/classification-who-2022.json, its properties proven by "
    "check_classification; published by the system (data migration guidance.0016)."
)


def seed(apps, schema_editor):
    ClassificationVersion = apps.get_model("guidance", "ClassificationVersion")
    data = json.loads(DATA_FILE.read_text())
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    now = timezone.now()
    ClassificationVersion.objects.create(
        system=data["system"],
        number=data["version"],
        status="published",
        data=data,
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest(),
        change_note=SYSTEM_NOTE,
        published_at=now,
    )


def unseed(apps, schema_editor):
    pass  # the table goes with the model


# What a frozen row keeps: everything but its status and retirement date.
KEPT = (
    "system",
    "number",
    "data",
    "fingerprint",
    "based_on_id",
    "change_note",
    "created_at",
    "created_by_id",
    "edited_at",
    "edited_by_id",
    "submitted_at",
    "submitted_by_id",
    "review_comment",
    "published_at",
    "published_by_id",
)


def _sqlite():
    kept = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
    return [
        f"CREATE TRIGGER {TABLE}_frozen_update BEFORE UPDATE ON {TABLE} "
        f"WHEN OLD.status IN ('published', 'retired') AND NOT (OLD.status = 'published' "
        f"AND NEW.status IN ('published', 'retired') AND {kept}) "
        f"BEGIN SELECT RAISE(ABORT, '{TABLE}: a published or retired record cannot be changed'); END",
        f"CREATE TRIGGER {TABLE}_frozen_delete BEFORE DELETE ON {TABLE} "
        f"WHEN OLD.status IN ('published', 'retired') "
        f"BEGIN SELECT RAISE(ABORT, '{TABLE}: a published or retired record cannot be deleted'); END",
    ]


def _sqlite_drop():
    return [f"DROP TRIGGER IF EXISTS {TABLE}_frozen_{verb}" for verb in ("update", "delete")]


def _postgresql():
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in KEPT)
    return [
        f"""CREATE FUNCTION {TABLE}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                RAISE EXCEPTION '%: TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF OLD.status NOT IN ('published', 'retired') THEN
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END IF;
            IF TG_OP = 'DELETE' OR OLD.status = 'retired' OR NEW.status NOT IN ('published', 'retired')
                    OR {changed} THEN
                RAISE EXCEPTION '%: a published or retired record cannot be changed (%)', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$""",
        f"CREATE TRIGGER {TABLE}_frozen_change BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_frozen()",
        f"CREATE TRIGGER {TABLE}_frozen_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_frozen()",
    ]


def _postgresql_drop():
    return [
        f"DROP TRIGGER IF EXISTS {TABLE}_frozen_change ON {TABLE}",
        f"DROP TRIGGER IF EXISTS {TABLE}_frozen_truncate ON {TABLE}",
        f"DROP FUNCTION IF EXISTS {TABLE}_frozen()",
    ]


def triggers_create(apps, schema_editor):
    make = {"sqlite": _sqlite, "postgresql": _postgresql}.get(schema_editor.connection.vendor)
    for sql in make() if make else []:
        schema_editor.execute(sql, params=None)


def triggers_drop(apps, schema_editor):
    drop = {"sqlite": _sqlite_drop, "postgresql": _postgresql_drop}.get(schema_editor.connection.vendor)
    for sql in drop() if drop else []:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0015_rule_summary_up_to_300_characters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClassificationVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("system", models.CharField(help_text='The classification, e.g. "WHO 2022".', max_length=50)),
                ("number", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("in_review", "In review"),
                            ("published", "Published"),
                            ("retired", "Retired"),
                        ],
                        default="draft",
                        max_length=10,
                    ),
                ),
                (
                    "data",
                    models.JSONField(
                        help_text="The record: criteria, diagnosis, subtype order, properties, its source."
                    ),
                ),
                ("fingerprint", models.CharField(editable=False, max_length=64)),
                ("change_note", models.TextField(blank=True, help_text="What changed and why.")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("edited_at", models.DateTimeField(blank=True, null=True)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("review_comment", models.TextField(blank=True, help_text="Why the draft went back to editing.")),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
                (
                    "based_on",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="guidance.classificationversion",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "edited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["system", "-number"],
                "constraints": [
                    models.UniqueConstraint(fields=("system", "number"), name="classification_version_number_unique"),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "published")),
                        fields=("system",),
                        name="classification_one_published",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["draft", "in_review"])),
                        fields=("system",),
                        name="classification_one_draft",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status__in", ["draft", "in_review"]), ("published_at__isnull", False), _connector="OR"
                        ),
                        name="classification_published_has_date",
                    ),
                ],
            },
        ),
        migrations.RunPython(seed, unseed),
        migrations.RunPython(triggers_create, triggers_drop, elidable=False),
    ]
