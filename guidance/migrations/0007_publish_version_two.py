"""Publish guidance version 2 the way an editor would: draft from v1, new rules and safety properties, proven, published.

See guidance.loading.publish_version_two and ../shared/spec/evaluation-contract.md.
"""

from django.db import migrations

from guidance.loading import GUIDELINE_SLUG, publish_version_two

MODELS = (
    ("guidance", "GuidanceVersion"),
    ("guidance", "Section"),
    ("guidance", "Paragraph"),
    ("guidance", "Rule"),
    ("guidance", "SafetyProperty"),
    ("guidance", "HistoricalGuidanceVersion"),
    ("guidance", "HistoricalSection"),
    ("guidance", "HistoricalParagraph"),
    ("guidance", "HistoricalRule"),
    ("guidance", "HistoricalSafetyProperty"),
    ("audit", "AuditEvent"),
)


def publish(apps, schema_editor):
    publish_version_two(models={name: apps.get_model(app, name) for app, name in MODELS})


def unpublish(apps, schema_editor):
    """Back to version 1 published, as before this migration (version 2 and its records removed)."""
    GuidanceVersion = apps.get_model("guidance", "GuidanceVersion")
    versions = GuidanceVersion.objects.filter(guideline__slug=GUIDELINE_SLUG)
    two = versions.filter(number=2).first()
    if two is None:
        return
    for name in ("HistoricalRule", "HistoricalSafetyProperty", "HistoricalParagraph", "HistoricalSection"):
        apps.get_model("guidance", name).objects.filter(version_id=two.pk).delete()
    apps.get_model("guidance", "HistoricalGuidanceVersion").objects.filter(
        history_change_reason="guidance v2 (system)"
    ).delete()
    apps.get_model("guidance", "Rule").objects.filter(version=two).delete()
    apps.get_model("guidance", "SafetyProperty").objects.filter(version=two).delete()
    apps.get_model("guidance", "Paragraph").objects.filter(version=two).delete()
    apps.get_model("guidance", "Section").objects.filter(version=two).delete()
    two.delete()
    versions.filter(number=1).update(status="published", retired_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0006_load_regression_cases"),
        ("audit", "0002_reviewers_read_the_audit_log"),
    ]

    operations = [migrations.RunPython(publish, unpublish)]
