"""The marking's state (checked_version, would_change) moves out of the case row into Marking and CaseWouldChange.

Marking a million cases rewrote a million wide rows of cases_case, each with an entry in all of its indexes.
Now a finished marking is one Marking row, and each case it would change one narrow CaseWouldChange row.

The state moves as it stands: when every case on an older version was compared with the newest version any
case was compared with, that marking is recorded (with the cases that would change); otherwise the marking
was under way and is left to run again (cases.sweeping queues it), its cases counted as not yet compared.
The rollup's ("version", "assessed:checked:would") counts become ("version", "assessed") and
("would_change", "<marked version>"), as cases.rollup now counts them.
"""

from collections import Counter

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max, Q
from django.utils import timezone


def _latest_complete(cases):
    """The newest version every case on an older one was compared with, or None."""
    latest = cases.aggregate(latest=Max("checked_version"))["latest"]
    if latest is None:
        return None
    pending = cases.filter(assessed_version__lt=latest).filter(Q(checked_version__lt=latest) | Q(checked_version=None))
    return None if pending.exists() else latest


def _rollup_rewrite(counts, metric, rows):
    """Replace the rollup's rows of these metrics with `rows` {(period, day, subtype, metric, key): n}."""
    counts.objects.filter(metric__in=metric).delete()
    counts.objects.bulk_create(
        (
            counts(period=period, day=day, subtype=subtype, metric=name, key=key, count=n)
            for (period, day, subtype, name, key), n in rows.items()
            if n
        ),
        batch_size=5000,
    )


def marks_forward(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    DashboardCount = apps.get_model("cases", "DashboardCount")
    Marking = apps.get_model("cases", "Marking")
    latest = _latest_complete(Case.objects.all())
    if latest is not None:
        quote = schema_editor.quote_name
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote('cases_casewouldchange')} ({quote('case_id')}, {quote('version')})"  # noqa: S608
                f" SELECT {quote('id')}, %s FROM {quote('cases_case')}"
                f" WHERE {quote('assessed_version')} < %s AND {quote('checked_version')} = %s"
                f" AND {quote('would_change')}",
                [latest, latest, latest],
            )
            changing = cursor.rowcount
        Marking.objects.create(
            version=latest, cases=Case.objects.filter(assessed_version__lt=latest).count(), changing=changing
        )
    rows = Counter()
    for row in DashboardCount.objects.filter(metric="version").values_list("period", "day", "subtype", "key", "count"):
        period, day, subtype, key, n = row
        assessed, checked, would = key.split(":")
        rows[(period, day, subtype, "version", assessed)] += n
        if latest is not None and checked == str(latest) and would == "1" and int(assessed) < latest:
            rows[(period, day, subtype, "would_change", str(latest))] += n
    _rollup_rewrite(DashboardCount, ("version", "would_change"), rows)


def marks_backward(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseWouldChange = apps.get_model("cases", "CaseWouldChange")
    DashboardCount = apps.get_model("cases", "DashboardCount")
    Marking = apps.get_model("cases", "Marking")
    latest = Marking.objects.aggregate(latest=Max("version"))["latest"]
    Case.objects.update(checked_version=models.F("assessed_version"), would_change=False)
    if latest is not None:
        Case.objects.filter(assessed_version__lt=latest).update(checked_version=latest)
        changing = CaseWouldChange.objects.filter(version=latest).values("case_id")
        Case.objects.filter(assessed_version__lt=latest, pk__in=changing).update(would_change=True)
    # The version counts cannot be split back by day from the rollup alone: counted again from the cases.
    rows = Counter()
    for row in (
        Case.objects.filter(assessed_version__isnull=False)
        .values("updated_at", "subtype", "assessed_version", "checked_version", "would_change")
        .iterator()
    ):
        day = timezone.localdate(row["updated_at"])
        key = f"{row['assessed_version']}:{row['checked_version'] or ''}:{int(row['would_change'])}"
        rows[("D", day, row["subtype"], "version", key)] += 1
        rows[("M", day.replace(day=1), row["subtype"], "version", key)] += 1
    _rollup_rewrite(DashboardCount, ("version", "would_change"), rows)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_case_notes_length_cap"),
    ]

    operations = [
        migrations.CreateModel(
            name="Marking",
            fields=[
                (
                    "version",
                    models.PositiveIntegerField(
                        help_text="Guidance version number compared with.", primary_key=True, serialize=False
                    ),
                ),
                ("marked_at", models.DateTimeField(auto_now_add=True)),
                ("cases", models.PositiveIntegerField(default=0, help_text="Cases compared.")),
                (
                    "changing",
                    models.PositiveIntegerField(default=0, help_text="Of which the version would show other lines."),
                ),
            ],
        ),
        migrations.CreateModel(
            name="CaseWouldChange",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "case_id", "version", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                ("version", models.PositiveIntegerField()),
            ],
        ),
        migrations.RunPython(marks_forward, marks_backward),
        migrations.RemoveIndex(model_name="case", name="case_would_change_idx"),
        migrations.RemoveIndex(model_name="case", name="case_checked_version_idx"),
        migrations.RemoveField(model_name="case", name="checked_version"),
        migrations.RemoveField(model_name="case", name="would_change"),
    ]
