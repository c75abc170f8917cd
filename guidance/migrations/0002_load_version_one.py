"""Publish guidance version 1 from the project's data files (source text + rules)."""

from django.db import migrations

from guidance.loading import GUIDELINE_SLUG, load_version_one


def load(apps, schema_editor):
    load_version_one(
        Guideline=apps.get_model("guidance", "Guideline"),
        GuidanceVersion=apps.get_model("guidance", "GuidanceVersion"),
        Section=apps.get_model("guidance", "Section"),
        Paragraph=apps.get_model("guidance", "Paragraph"),
        Rule=apps.get_model("guidance", "Rule"),
    )


def unload(apps, schema_editor):
    Guideline = apps.get_model("guidance", "Guideline")
    GuidanceVersion = apps.get_model("guidance", "GuidanceVersion")
    Rule = apps.get_model("guidance", "Rule")
    versions = GuidanceVersion.objects.filter(guideline__slug=GUIDELINE_SLUG)
    Rule.objects.filter(version__in=versions).delete()
    for version in versions.order_by("-number"):
        version.paragraphs.all().delete()
        version.sections.all().delete()
        version.delete()
    Guideline.objects.filter(slug=GUIDELINE_SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
