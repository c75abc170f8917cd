"""Publish guidance version 3 the way an editor would: draft from v2, the rules and properties of
data/version-3.json, every quote checked and every property proven, published; v2 retires.

See guidance.loading.publish_version_three and ../shared/spec/evaluation-contract.md ("Version 3").
"""

from django.db import migrations

from guidance.loading import GUIDELINE_SLUG, publish_version_three

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
    publish_version_three(models={name: apps.get_model(app, name) for app, name in MODELS})


def unpublish(apps, schema_editor):
    """Back to version 2 published, as before this migration (version 3 and its records removed)."""
    GuidanceVersion = apps.get_model("guidance", "GuidanceVersion")
    versions = GuidanceVersion.objects.filter(guideline__slug=GUIDELINE_SLUG)
    three = versions.filter(number=3).first()
    if three is None:
        return
    for name in ("HistoricalRule", "HistoricalSafetyProperty", "HistoricalParagraph", "HistoricalSection"):
        apps.get_model("guidance", name).objects.filter(version_id=three.pk).delete()
    apps.get_model("guidance", "HistoricalGuidanceVersion").objects.filter(
        history_change_reason="guidance v3 (system)"
    ).delete()
    for name in ("Rule", "SafetyProperty", "Paragraph", "Section"):
        apps.get_model("guidance", name).objects.filter(version=three).delete()
    three.delete()
    versions.filter(number=2).update(status="published", retired_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0012_version_three_fields"),
        ("cases", "0014_venom_allergy_yes_no_unknown"),
        ("audit", "0009_append_only_in_the_database_and_hash_chain"),
    ]

    operations = [migrations.RunPython(publish, unpublish)]
